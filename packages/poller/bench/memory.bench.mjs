// Memory: peak RSS while the poller drains a backlog of 100,000 records of 1 KiB (4 shards). The
// backlog is served by an in-process Kinesis that makes each page on demand (kinesis-mock is far too
// slow to fill with 100,000 records), so the source itself holds no backlog. Target: < 150 MB.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPoller } from '../dist/index.js';
import { fakeKinesis, makePage, round } from './lib/fake-kinesis.mjs';

const SHARDS = 4;
const PER_PAGE = 1000;
const PAGES = 25;
const TOTAL = SHARDS * PAGES * PER_PAGE;
const streamArn = 'arn:aws:kinesis:us-east-1:999900009999:stream/bench-memory';
const dir = mkdtempSync(join(tmpdir(), 'streamshare-bench-'));
const keepAlive = setInterval(() => {}, 1000);

globalThis.gc?.();
const baseline = process.memoryUsage().rss;
let peak = baseline;
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss);
}, 10);

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
    if (n % 500 === 0) await new Promise((resolve) => setImmediate(resolve));
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
clearInterval(sampler);
clearInterval(keepAlive);
peak = Math.max(peak, process.memoryUsage().rss);
const maxRssMb = process.resourceUsage().maxRSS / 1024;
rmSync(dir, { recursive: true, force: true });
if (n !== TOTAL || payloadChars === 0) throw new Error(`delivered ${n} of ${TOTAL}`);
console.log(
  JSON.stringify({
    bench: 'poller-memory',
    source: 'in-process Kinesis making 1,000-record pages on demand (kinesis-mock too slow to fill 100k records)',
    records: TOTAL,
    recordBytes: 1024,
    shards: SHARDS,
    seconds: round(seconds, 2),
    baselineRssMb: round(baseline / 2 ** 20, 1),
    peakRssMb: round(peak / 2 ** 20, 1),
    processMaxRssMb: round(maxRssMb, 1),
    targetMb: 150,
    ok: maxRssMb < 150,
  }),
);
