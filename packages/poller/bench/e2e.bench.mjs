// End to end on kinesis-mock: time to drain a pre-filled 4-shard stream with the poller (default
// settings, file checkpoints, cross-account by ARN) and with a bare SDK GetRecords loop, same run.
// Target: the poller at least 0.9 times the bare loop's speed (bare seconds / poller seconds).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-kinesis';
import { CONSUMER_ACCOUNT, kinesisClient } from '@streamshare/testkit';
import { createPoller } from '../dist/index.js';
import { bound, filledStream, round, startEmulator } from './lib/kinesis-setup.mjs';

const SHARDS = 4;
const RECORDS = Number(process.env.BENCH_E2E_RECORDS ?? 2000);
const { mock, producer } = await startEmulator();
try {
  const { arn, perShard, fillSeconds } = await filledStream(producer, 'bench-e2e', SHARDS, RECORDS);

  let bareCalls = 0;
  let pollerCalls = 0;
  let pollerStart = 0;
  async function bare() {
    bareCalls = 0;
    const client = kinesisClient({ endpoint: mock.endpoint, account: CONSUMER_ACCOUNT });
    const started = performance.now();
    const decoder = new TextDecoder();
    await Promise.all(
      Object.entries(perShard).map(async ([shardId, expected]) => {
        let { ShardIterator: iterator } = await client.send(
          new GetShardIteratorCommand({ StreamARN: arn, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }),
        );
        let n = 0;
        while (n < expected) {
          bareCalls++;
          const page = await client.send(
            new GetRecordsCommand({ StreamARN: arn, ShardIterator: iterator, Limit: 10_000 }),
          );
          for (const r of page.Records ?? []) if (JSON.parse(decoder.decode(r.Data)).i >= 0) n++;
          iterator = page.NextShardIterator;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    client.destroy();
    return seconds;
  }

  async function poller() {
    const dir = mkdtempSync(join(tmpdir(), 'streamshare-bench-'));
    let n = 0;
    pollerCalls = 0;
    let finish;
    const all = new Promise((resolve) => {
      finish = resolve;
    });
    const p = createPoller({
      streamArn: arn,
      checkpointDir: dir,
      codec: 'json',
      observer: { onGetRecords: () => pollerCalls++ },
      handler: (record) => {
        if (record.data.i >= 0 && ++n === RECORDS) finish();
      },
    });
    const started = performance.now();
    await p.start();
    pollerStart = (performance.now() - started) / 1000;
    await Promise.race([all, bound(120_000, 'poller drain')]);
    const seconds = (performance.now() - started) / 1000;
    await p.stop();
    rmSync(dir, { recursive: true, force: true });
    return seconds;
  }

  // Alternate, best of three each (the same for both; the machine is shared).
  const bareRuns = [];
  const pollerRuns = [];
  for (let i = 0; i < 3; i++) {
    bareRuns.push(await bare());
    pollerRuns.push(await poller());
  }
  const bareBest = Math.min(...bareRuns);
  const pollerBest = Math.min(...pollerRuns);
  console.log(
    JSON.stringify({
      bench: 'poller-e2e-kinesis-mock',
      shards: SHARDS,
      records: RECORDS,
      recordBytes: 1024,
      fillSeconds: round(fillSeconds),
      pollerSeconds: round(pollerBest, 3),
      bareLoopSeconds: round(bareBest, 3),
      pollerRuns: pollerRuns.map((s) => round(s, 3)),
      bareLoopRuns: bareRuns.map((s) => round(s, 3)),
      pollerRecordsPerSec: Math.round(RECORDS / pollerBest),
      bareLoopRecordsPerSec: Math.round(RECORDS / bareBest),
      pollerStartSecondsLastRun: round(pollerStart, 3),
      getRecordsCallsLastRun: { poller: pollerCalls, bareLoop: bareCalls },
      ratio: round(bareBest / pollerBest, 3),
      target: 0.9,
    }),
  );
} finally {
  producer.destroy();
  await mock.stop();
}
