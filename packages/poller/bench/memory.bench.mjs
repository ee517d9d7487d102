// Memory: peak RSS while the poller drains a backlog of 100,000 records of 1 KiB (4 shards). The
// backlog is served by an in-process Kinesis that makes each page on demand (kinesis-mock is far too
// slow to fill with 100,000 records), so the source itself holds no backlog. Target: < 150 MB.
//
// A peak RSS is one sample of V8's and the allocator's heuristics (when a full GC runs, how much of
// the young generation is in use): the same drain varies by about 10 MB from one process to the
// next. So it runs RUNS times, each in a fresh process, and reports every peak, the median and the
// worst; `ok` is the worst under the target. Beside it, the same number of processes drain the same
// source with a bare loop (four shard loops that JSON.parse each record and let go of each page),
// as the floor that the source, the payloads and V8 set without the poller.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fakeKinesis, makePage, round } from './lib/fake-kinesis.mjs';

const SHARDS = 4;
const PER_PAGE = 1000;
const PAGES = 25;
const TOTAL = SHARDS * PAGES * PER_PAGE;
const RUNS = Number(process.env.BENCH_MEMORY_RUNS ?? 3);
const TARGET_MB = 150;
const role = process.argv[2];

/** Samples RSS every 10 ms from now on; `stop()` returns the baseline and peaks in MB. */
function rssSampler() {
  globalThis.gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 10);
  return {
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, process.memoryUsage().rss);
      return {
        baselineRssMb: round(baseline / 2 ** 20, 1),
        peakRssMb: round(peak / 2 ** 20, 1),
        processMaxRssMb: round(process.resourceUsage().maxRSS / 1024, 1),
      };
    },
  };
}

const yieldNow = () => new Promise((resolve) => setImmediate(resolve));

async function pollerDrain() {
  const { createPoller } = await import('../dist/index.js');
  const streamArn = 'arn:aws:kinesis:us-east-1:999900009999:stream/bench-memory';
  const dir = mkdtempSync(join(tmpdir(), 'streamshare-bench-'));
  const keepAlive = setInterval(() => {}, 1000);
  const sampler = rssSampler();
  let n = 0;
  let payloadChars = 0;
  const poller = createPoller({
    streamArn,
    kinesisClient: fakeKinesis({
      streamArn,
      shards: SHARDS,
      pagesPerShard: PAGES,
      recordsPerPage: PER_PAGE,
      page: (s, p) => makePage(s, p * PER_PAGE, PER_PAGE),
    }),
    checkpointDir: dir,
    codec: 'json',
    // No read limits: fetching may outrun the handler, which is what bounded memory has to withstand.
    readLimits: { callsPerSecond: Number.POSITIVE_INFINITY, bytesPerSecond: Number.POSITIVE_INFINITY },
    handler: async (record) => {
      n++;
      payloadChars += record.data.pad.length;
      if (n % 500 === 0) await yieldNow();
    },
  });
  const started = performance.now();
  await poller.start();
  await Promise.race([
    poller.done,
    new Promise((_, reject) => setTimeout(() => reject(new Error('timed out after 180 s')), 180_000).unref()),
  ]);
  const seconds = (performance.now() - started) / 1000;
  await poller.stop();
  const memory = sampler.stop();
  clearInterval(keepAlive);
  rmSync(dir, { recursive: true, force: true });
  if (n !== TOTAL || payloadChars === 0) throw new Error(`delivered ${n} of ${TOTAL}`);
  return { seconds: round(seconds, 2), ...memory };
}

async function bareDrain() {
  const sampler = rssSampler();
  const decoder = new TextDecoder();
  let n = 0;
  let payloadChars = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: SHARDS }, async (_, s) => {
      for (let p = 0; p < PAGES; p++) {
        await yieldNow();
        let page = makePage(s, p * PER_PAGE, PER_PAGE);
        for (const record of page) {
          payloadChars += JSON.parse(decoder.decode(record.Data)).pad.length;
          n++;
          if (n % 500 === 0) await yieldNow();
        }
        page = undefined;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const memory = sampler.stop();
  if (n !== TOTAL || payloadChars === 0) throw new Error(`bare loop read ${n} of ${TOTAL}`);
  return { seconds: round(seconds, 2), ...memory };
}

if (role === 'poller' || role === 'bare') {
  // One drain in this process; its numbers as one JSON line for the parent.
  const result = role === 'poller' ? await pollerDrain() : await bareDrain();
  console.log(JSON.stringify(result));
} else {
  const self = fileURLToPath(import.meta.url);
  const runs = (which) =>
    Array.from({ length: RUNS }, () => {
      const child = spawnSync(process.execPath, ['--expose-gc', self, which], { encoding: 'utf8' });
      if (child.status !== 0) throw new Error(`${which} drain failed: ${child.stderr}`);
      return JSON.parse(child.stdout.trim().split('\n').at(-1));
    });
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const poller = runs('poller');
  const bare = runs('bare');
  const peaks = poller.map((r) => r.processMaxRssMb);
  const barePeaks = bare.map((r) => r.processMaxRssMb);
  console.log(
    JSON.stringify({
      bench: 'poller-memory',
      source: 'in-process Kinesis making 1,000-record pages on demand (kinesis-mock too slow to fill 100k records)',
      records: TOTAL,
      recordBytes: 1024,
      shards: SHARDS,
      runs: RUNS,
      seconds: median(poller.map((r) => r.seconds)),
      baselineRssMb: median(poller.map((r) => r.baselineRssMb)),
      peakRssMb: peaks,
      medianPeakRssMb: median(peaks),
      maxPeakRssMb: Math.max(...peaks),
      bareLoopBaselineRssMb: median(bare.map((r) => r.baselineRssMb)),
      bareLoopPeakRssMb: barePeaks,
      bareLoopMedianPeakRssMb: median(barePeaks),
      targetMb: TARGET_MB,
      ok: Math.max(...peaks) < TARGET_MB,
    }),
  );
}
