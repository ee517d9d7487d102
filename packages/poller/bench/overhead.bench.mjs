// Overhead: the poller over an in-process Kinesis that answers at once from prepared pages (4 shards,
// 1 KiB JSON records), with the file checkpoint store and with the memory one, beside a bare loop that
// only JSON.parses the same pages, in the same process.
// Target: with the file store, the bare loop's CPU time is at least 0.6 times the poller's (ratio =
// bare CPU / poller CPU: the poller handles records at >= 0.6 times the bare loop's speed per CPU second).
//
// Why CPU time and not wall clock: on a shared VM (2 cores, several processes), the wall-clock speed
// of the same bare loop varied 2x from one process to the next, so a wall-clock ratio read 0.35 to
// 1.0 for the same code. CPU time (process.cpuUsage: user + system of every thread of the process, so
// the thread pool's file I/O and GC threads count too) hardly depends on what else the machine runs.
// Each run is measured in-process (cpuUsage around `poller.start()` → `done`, and around the bare
// loop), after warm-up runs, in ROUNDS alternating rounds (the order of the three runs is reversed
// every other round, so that a drift of the machine weighs on each alike); the ratios are of medians.
// Wall-clock rates are reported too, for reference only.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryCheckpointStore } from '@streamshare/core';
import { createPoller } from '../dist/index.js';
import { fakeKinesis, makePage, round } from './lib/fake-kinesis.mjs';

const SHARDS = 4;
// BENCH_PAGES: pages of 1,000 records per shard (default 10, 40,000 records, the run of every session so
// far). All of them are prepared up front and stay in the heap: more pages make the poller's full GCs
// (which mark them) dearer than in a real poller, whose pages die young.
const PAGES = Number(process.env.BENCH_PAGES ?? 10);
// BENCH_ROUNDS: measured rounds (each: one bare loop, one poller run per store), after WARMUP rounds.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const WARMUP = 3;
const PER_PAGE = 1000;
const TOTAL = SHARDS * PAGES * PER_PAGE;
const TARGET = 0.6;
const streamArn = 'arn:aws:kinesis:us-east-1:999900009999:stream/bench-overhead';
const pages = Array.from({ length: SHARDS }, (_, s) =>
  Array.from({ length: PAGES }, (_, p) => makePage(s, p * PER_PAGE, PER_PAGE)),
);

/** CPU microseconds (user + system, all threads) since `from` (a process.cpuUsage() reading). */
function cpuSince(from) {
  const used = process.cpuUsage(from);
  return used.user + used.system;
}

/** Starts a measurement: a full GC first where exposed (scripts/bench.mjs runs with --expose-gc). */
function startMeasure() {
  globalThis.gc?.();
  return { cpu: process.cpuUsage(), wall: performance.now() };
}

function endMeasure(start) {
  return { cpuUs: cpuSince(start.cpu), seconds: (performance.now() - start.wall) / 1000 };
}

function bareLoop() {
  const decoder = new TextDecoder();
  const start = startMeasure();
  let n = 0;
  let check = 0;
  for (let s = 0; s < SHARDS; s++) {
    for (const page of pages[s]) {
      for (const record of page) {
        check += JSON.parse(decoder.decode(record.Data)).i;
        n++;
      }
    }
  }
  const measured = endMeasure(start);
  if (n !== TOTAL || check < 0) throw new Error('bare loop miscounted');
  return measured;
}

async function pollerRun(checkpoints) {
  const dir = mkdtempSync(join(tmpdir(), 'streamshare-bench-'));
  let n = 0;
  const client = fakeKinesis({
    streamArn,
    shards: SHARDS,
    pagesPerShard: PAGES,
    recordsPerPage: PER_PAGE,
    page: (s, p) => pages[s][p],
  });
  const poller = createPoller({
    streamArn,
    kinesisClient: client,
    ...(checkpoints === 'memory' ? { checkpointStore: new MemoryCheckpointStore() } : { checkpointDir: dir }),
    codec: 'json',
    // The in-process Kinesis has no read limits; without this the poller paces itself at Kinesis' 2 MiB/s per shard.
    readLimits: { callsPerSecond: Number.POSITIVE_INFINITY, bytesPerSecond: Number.POSITIVE_INFINITY },
    handler: (record) => {
      if (record.data.i >= 0) n++;
    },
  });
  const start = startMeasure();
  await poller.start();
  await Promise.race([
    poller.done,
    new Promise((_, reject) =>
      setTimeout(() => reject(new Error('poller run timed out after 120 s')), 120_000).unref(),
    ),
  ]);
  const measured = endMeasure(start);
  await poller.stop();
  rmSync(dir, { recursive: true, force: true });
  if (n !== TOTAL) throw new Error(`poller delivered ${n} of ${TOTAL} records`);
  return { ...measured, calls: client.calls.GetRecords };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Median, min and max of CPU milliseconds, the spread ((max - min) / median), and every run's figure. */
function summary(runs) {
  const ms = runs.map((r) => r.cpuUs / 1000);
  const med = median(ms);
  return {
    medianMs: round(med, 2),
    minMs: round(Math.min(...ms), 2),
    maxMs: round(Math.max(...ms), 2),
    spread: round((Math.max(...ms) - Math.min(...ms)) / med, 3),
    runsMs: ms.map((x) => round(x, 1)),
  };
}

const keepAlive = setInterval(() => {}, 1000);
for (let i = 0; i < WARMUP; i++) {
  bareLoop();
  await pollerRun('file');
  await pollerRun('memory');
}
const bare = [];
const file = [];
const memory = [];
const runs = [
  () => bare.push(bareLoop()),
  async () => file.push(await pollerRun('file')),
  async () => memory.push(await pollerRun('memory')),
];
for (let r = 0; r < ROUNDS; r++) {
  for (const run of r % 2 === 0 ? runs : [...runs].reverse()) await run();
}
clearInterval(keepAlive);

const bareCpu = median(bare.map((r) => r.cpuUs));
const fileCpu = median(file.map((r) => r.cpuUs));
const memoryCpu = median(memory.map((r) => r.cpuUs));
// Per-round ratios: how much a single round's ratio moves.
const roundRatios = (runs_) => runs_.map((r, i) => bare[i].cpuUs / r.cpuUs);
const rate = (runs_) => Math.round(TOTAL / median(runs_.map((r) => r.seconds)));
const fileRatios = roundRatios(file);
const memoryRatios = roundRatios(memory);
const ratio = round(bareCpu / fileCpu, 3);
console.log(
  JSON.stringify({
    bench: 'poller-overhead',
    source: 'in-process Kinesis answering at once from prepared pages',
    measure:
      'CPU time (process.cpuUsage, user + system) per run, in-process; ratio = bare CPU / poller CPU, of medians',
    shards: SHARDS,
    records: TOTAL,
    recordBytes: 1024,
    recordsPerPage: PER_PAGE,
    rounds: ROUNDS,
    warmupRounds: WARMUP,
    ratio,
    ratioMemoryCheckpoints: round(bareCpu / memoryCpu, 3),
    // Each round's own ratio (its bare loop over its poller run): their median, and how far they range.
    ratioRoundsMedian: round(median(fileRatios), 3),
    ratioRoundsMin: round(Math.min(...fileRatios), 3),
    ratioRoundsMax: round(Math.max(...fileRatios), 3),
    ratioMemoryCheckpointsRoundsMedian: round(median(memoryRatios), 3),
    ratioMemoryCheckpointsRoundsMin: round(Math.min(...memoryRatios), 3),
    ratioMemoryCheckpointsRoundsMax: round(Math.max(...memoryRatios), 3),
    cpu: { bareLoop: summary(bare), pollerFileStore: summary(file), pollerMemoryStore: summary(memory) },
    // Wall clock, medians (for reference: not repeatable on a shared machine).
    pollerRecordsPerSec: rate(file),
    pollerMemoryCheckpointsRecordsPerSec: rate(memory),
    bareLoopRecordsPerSec: rate(bare),
    getRecordsCalls: file[0].calls,
    target: TARGET,
    ok: ratio >= TARGET,
  }),
);
