// Enhanced fan-out memory: peak RSS of a poller (createPoller({ consumerArn })) whose handler is
// slower than the subscription can deliver, over a backlog of 100,000 records of 1 KiB (4 shards of
// 25,000, events of 100 records). Target: < 150 MB. The subscription must push back through HTTP/2
// flow control (the next event is read only once the page in hand is settled), not queue events:
// queued, the backlog alone is 140 MB of event JSON.
//
// The events come from testkit's subscribe server in its `generate` mode, run in a process of its
// own (as AWS would be), which writes each event only once HTTP/2 flow control lets it out. Beside
// the peak RSS, the bench samples how far the server got ahead of the handler (records written but
// not yet handled): bounded by the flow-control windows, not by the backlog.
//
// Each run is a fresh process (a peak RSS is one sample of V8's heuristics, see memory.bench.mjs):
// RUNS runs, every peak, the median and the worst; `ok` is the worst under the target.
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RegisterStreamConsumerCommand } from '@aws-sdk/client-kinesis';

const SHARDS = 4;
const PER_EVENT = 100;
const EVENTS = 250;
const TOTAL = SHARDS * EVENTS * PER_EVENT;
const RUNS = Number(process.env.BENCH_EFO_MEMORY_RUNS ?? 3);
const TARGET_MB = 150;
/** The handler waits 1 ms every SLOW_EVERY records: about 10,000 records/s per shard at best, slower than the server. */
const SLOW_EVERY = 10;
const round = (n, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

async function pollerDrain({ endpoint, streamArn, consumerArn }) {
  const { createPoller } = await import('../dist/index.js');
  const { CONSUMER_ACCOUNT, kinesisHttp2Client } = await import('@streamshare/testkit');
  globalThis.gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 10);
  const dir = mkdtempSync(join(tmpdir(), 'streamshare-bench-'));
  const client = kinesisHttp2Client({ endpoint, account: CONSUMER_ACCOUNT });
  let n = 0;
  let payloadChars = 0;
  let finish;
  const all = new Promise((resolve) => {
    finish = resolve;
  });
  const progress = setInterval(() => process.send({ handled: n }), 100);
  const poller = createPoller({
    streamArn,
    consumerArn,
    kinesisClient: client,
    checkpointDir: dir,
    codec: 'json',
    handler: async (record) => {
      payloadChars += record.data.pad.length;
      if (++n % SLOW_EVERY === 0) await new Promise((resolve) => setTimeout(resolve, 1));
      if (n === TOTAL) finish();
    },
  });
  const started = performance.now();
  await poller.start();
  await Promise.race([
    all,
    new Promise((_, reject) => setTimeout(() => reject(new Error('timed out after 90 s')), 90_000).unref()),
  ]);
  const seconds = (performance.now() - started) / 1000;
  await poller.stop();
  clearInterval(progress);
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  client.destroy();
  rmSync(dir, { recursive: true, force: true });
  if (n !== TOTAL || payloadChars === 0) throw new Error(`delivered ${n} of ${TOTAL}`);
  return {
    seconds: round(seconds, 2),
    baselineRssMb: round(baseline / 2 ** 20),
    peakRssMb: round(peak / 2 ** 20),
    processMaxRssMb: round(process.resourceUsage().maxRSS / 1024),
  };
}

if (process.argv[2] === 'poller') {
  const result = await pollerDrain(JSON.parse(process.argv[3]));
  process.send({ result }, () => process.exit(0));
} else {
  const { bound, startEmulator } = await import('./lib/kinesis-setup.mjs');
  const { startEfoServer } = await import('./lib/efo-server.mjs');
  const { createStream } = await import('@streamshare/testkit');
  const { mock, producer } = await startEmulator();
  const server = await startEfoServer({
    kinesisEndpoint: mock.endpoint,
    defaultScript: { kind: 'generate', events: EVENTS, recordsPerEvent: PER_EVENT, recordBytes: 1024 },
  });
  try {
    const streamArn = await createStream(producer, `bench-efo-memory-${Date.now()}`, SHARDS);
    const registered = await producer.send(
      new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: 'bench' }),
    );
    const args = JSON.stringify({ endpoint: server.endpoint, streamArn, consumerArn: registered.Consumer.ConsumerARN });
    const runs = [];
    for (let i = 0; i < RUNS; i++) {
      const before = (await server.stats()).eventsWritten;
      let maxAheadRecords = 0;
      const child = fork(fileURLToPath(import.meta.url), ['poller', args], {
        execArgv: ['--expose-gc'],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      const result = await Promise.race([
        new Promise((resolve, reject) => {
          child.on('message', async (message) => {
            if (message.result) {
              resolve(message.result);
              return;
            }
            const written = ((await server.stats()).eventsWritten - before) * PER_EVENT;
            maxAheadRecords = Math.max(maxAheadRecords, written - message.handled);
          });
          child.on('exit', (code) => {
            if (code !== 0) reject(new Error(`poller run exited with ${code}`));
          });
        }),
        bound(100_000, 'efo memory run'),
      ]);
      runs.push({ ...result, maxAheadRecords });
    }
    const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
    const peaks = runs.map((r) => r.processMaxRssMb);
    console.log(
      JSON.stringify({
        bench: 'poller-efo-memory',
        source:
          'testkit subscribe server, generate mode, in its own process (events written only as HTTP/2 flow control lets them out)',
        records: TOTAL,
        recordBytes: 1024,
        recordsPerEvent: PER_EVENT,
        shards: SHARDS,
        handler: `waits 1 ms every ${SLOW_EVERY} records (per shard)`,
        runs: RUNS,
        seconds: runs.map((r) => r.seconds),
        baselineRssMb: median(runs.map((r) => r.baselineRssMb)),
        peakRssMb: peaks,
        medianPeakRssMb: median(peaks),
        maxPeakRssMb: Math.max(...peaks),
        serverAheadOfHandlerMaxRecords: runs.map((r) => r.maxAheadRecords),
        targetMb: TARGET_MB,
        ok: Math.max(...peaks) < TARGET_MB,
      }),
    );
  } finally {
    await server.close();
    producer.destroy();
    await mock.stop();
  }
}
