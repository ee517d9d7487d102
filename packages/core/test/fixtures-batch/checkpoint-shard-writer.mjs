// Child process of checkpoint-lock-processes.test.ts: one shard's writer, as one poller process of a
// stream would be. Waits until <start at> (ms since the epoch) so that several children race, opens
// the stream's files, writes <count> increasing checkpoints of <shard>, then holds the store open
// until its stdin ends (so that the others meet it while it holds the directory), and closes it.
// Prints one JSON line per step: { event: 'written', pid, acknowledged } after the puts (the last
// checkpoint a put resolved for), { event: 'closed', pid } after close; or, when a call rejected,
// { event: 'failed', pid, acknowledged, error: { name, code, message } } and exit code 3.
// Usage: node checkpoint-shard-writer.mjs <bundled store module> <directory> <stream ARN> <shard> <count> <start at>
const [storeModule, directory, streamArn, shardId, countArg, startAtArg] = process.argv.slice(2);
const { FileCheckpointStore } = await import(storeModule);
const store = new FileCheckpointStore({ directory });
const count = Number(countArg);
const startAt = Number(startAtArg);
const report = (event) => process.stdout.write(`${JSON.stringify({ pid: process.pid, ...event })}\n`);
const stdinEnded = new Promise((resolve) => {
  process.stdin.on('end', resolve);
  process.stdin.resume();
});
while (Date.now() < startAt) await new Promise((resolve) => setTimeout(resolve, 1));

let acknowledged = null;
try {
  await store.open(streamArn);
  for (let n = 1; n <= count; n++) {
    const checkpoint = { sequenceNumber: String(1000 + n), subSequenceNumber: 0, complete: true };
    await store.put(streamArn, shardId, checkpoint);
    acknowledged = checkpoint;
  }
  report({ event: 'written', acknowledged });
  await stdinEnded;
  await store.close();
  report({ event: 'closed' });
  process.exit(0);
} catch (error) {
  const { name, code, message } = error ?? {};
  report({ event: 'failed', acknowledged, error: { name, code, message } });
  process.exit(3);
}
