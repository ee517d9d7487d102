// Child process of checkpoint-sigkill.test.ts: writes increasing checkpoints for 3 shards of one
// stream, concurrently, in a loop, until it is killed. Usage:
//   node checkpoint-writer.mjs <bundled store module> <directory> <stream ARN> <start step>
const [storeModule, directory, streamArn, startArg] = process.argv.slice(2);
const { FileCheckpointStore } = await import(storeModule);
const store = new FileCheckpointStore({ directory });
const BASE = 49649683864473953433843496278632352517587667908684677122n;
const SHARDS = ['shardId-000000000000', 'shardId-000000000001', 'shardId-000000000002'];

/** Step i: sequence BASE + i/3, sub-sequence i%3, complete on the last user record. */
function checkpointAt(step) {
  return {
    sequenceNumber: String(BASE + BigInt(Math.floor(step / 3))),
    subSequenceNumber: step % 3,
    complete: step % 3 === 2,
  };
}

let step = Number(startArg);
let announced = false;
for (;;) {
  await Promise.all(SHARDS.map((shard, k) => store.put(streamArn, shard, checkpointAt(step + k))));
  if (!announced) {
    process.stdout.write('writing\n');
    announced = true;
  }
  step++;
}
