// Latency: put-to-handler time at the poller's default settings (idle 1 s between empty reads) on
// kinesis-mock, 4 shards: records are put one at a time while the poller runs; the handler measures
// now - (time just before the PutRecords call). Reports p50, p99 and max.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStream, putRecords } from '@streamshare/testkit';
import { createPoller } from '../dist/index.js';
import { bound, percentile, round, sleep, startEmulator } from './lib/kinesis-setup.mjs';

const COUNT = Number(process.env.BENCH_LATENCY_RECORDS ?? 150);
const GAP_MS = 40;
const { mock, producer } = await startEmulator();
const dir = mkdtempSync(join(tmpdir(), 'streamshare-bench-'));
try {
  const arn = await createStream(producer, `bench-latency-${Date.now()}`, 4);
  const latencies = [];
  let finish;
  const all = new Promise((resolve) => {
    finish = resolve;
  });
  const poller = createPoller({
    streamArn: arn,
    checkpointDir: dir,
    codec: 'json',
    handler: (record) => {
      latencies.push(Date.now() - record.data.t);
      if (latencies.length === COUNT) finish();
    },
  });
  await poller.start();
  await sleep(1500); // every shard reader has made its first (empty) read
  const putMs = [];
  for (let i = 0; i < COUNT; i++) {
    const t = Date.now();
    await putRecords(producer, arn, [{ data: JSON.stringify({ i, t }), partitionKey: `key-${i}` }]);
    putMs.push(Date.now() - t);
    await sleep(GAP_MS);
  }
  await Promise.race([all, bound(60_000, 'latency run')]);
  await poller.stop();
  latencies.sort((a, b) => a - b);
  putMs.sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      bench: 'poller-latency-kinesis-mock',
      settings: 'defaults (idleTimeBetweenReadsMs 1000, 5 GetRecords/s per shard)',
      shards: 4,
      records: COUNT,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      maxMs: latencies.at(-1),
      meanMs: round(latencies.reduce((a, b) => a + b, 0) / latencies.length, 1),
      putCallP50Ms: percentile(putMs, 50),
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
  producer.destroy();
  await mock.stop();
}
