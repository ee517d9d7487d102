// processBatch with a no-op handler: records per second, in order and with concurrency 8.
// Run after `npm run build -w @streamshare/core`. One JSON line per benchmark.
import { processBatch } from '../dist/index.js';
import { resolveCodec } from '../dist/internal.js';

// The `auto` codec itself (processBatch's default), to time it alone.
const auto = resolveCodec('auto');
const COUNT = 10_000;
const KEYS = 100;
// Targets (records/s): the walk must be negligible next to any real handler. With `auto`, the
// JSON decoding itself dominates, so that target is lower and the codec alone is measured too.
const TARGET_BYTES = 1_000_000;
const TARGET_AUTO = 250_000;
const ARN = 'arn:aws:kinesis:us-east-1:999900009999:stream/bench';
const encoder = new TextEncoder();

function makeRecords(payload) {
  const records = new Array(COUNT);
  const base = 49649683864473953433843496278632352517587667908684677122n;
  const at = new Date();
  for (let i = 0; i < COUNT; i++) {
    records[i] = {
      streamArn: ARN,
      shardId: 'shardId-000000000000',
      partitionKey: `key-${i % KEYS}`,
      sequenceNumber: String(base + BigInt(i)),
      approximateArrivalTimestamp: at,
      data: payload(i),
    };
  }
  return records;
}

const bytesRecords = makeRecords((i) => Uint8Array.of(i & 255, (i >> 8) & 255, 1, 2, 3, 4, 5, 6));
const jsonRecords = makeRecords((i) => encoder.encode(JSON.stringify({ id: i, kind: 'order', amount: i * 3 })));
const noop = () => {};
const asyncNoop = async () => {};

/** The `auto` codec alone over the same records: the floor processBatch cannot beat. */
function codecOnly(records) {
  let best = 0;
  for (let round = 0; round < 10; round++) {
    const t0 = performance.now();
    for (const r of records) auto.decode(r.data, r);
    best = Math.max(best, (records.length * 1000) / (performance.now() - t0));
  }
  return Math.round(best);
}

async function measure(name, records, options, { target, handler = noop, rounds = 15, extra = {} }) {
  // Warm-up long enough for V8 to finish optimizing the walk: with 5 batches, the median of 15
  // rounds was bimodal across processes (about 11M or 35M rec/s for the same build), as the
  // optimized code arrived before or during the measured rounds.
  for (let i = 0; i < 50; i++) await processBatch(records, handler, options);
  const rates = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    const result = await processBatch(records, handler, options);
    const ms = performance.now() - t0;
    if (result.failed || result.succeeded !== COUNT) throw new Error(`${name}: batch did not complete`);
    rates.push((COUNT * 1000) / ms);
  }
  rates.sort((a, b) => a - b);
  const median = rates[rates.length >> 1];
  console.log(
    JSON.stringify({
      bench: name,
      records: COUNT,
      partitionKeys: options.concurrency ? KEYS : 1,
      recordsPerSecond: Math.round(median),
      bestRecordsPerSecond: Math.round(rates[rates.length - 1]),
      ...extra,
      ratio: Number((median / target).toFixed(2)),
      target,
    }),
  );
}

const codecAlone = { codecOnlyRecordsPerSecond: codecOnly(jsonRecords) };
await measure('processBatch bytes in order', bytesRecords, { codec: 'bytes' }, { target: TARGET_BYTES });
await measure(
  'processBatch bytes concurrency 8',
  bytesRecords,
  { codec: 'bytes', concurrency: 8 },
  { target: TARGET_BYTES },
);
await measure('processBatch auto(json) in order', jsonRecords, {}, { target: TARGET_AUTO, extra: codecAlone });
await measure(
  'processBatch auto(json) concurrency 8',
  jsonRecords,
  { concurrency: 8 },
  { target: TARGET_AUTO, extra: codecAlone },
);
await measure(
  'processBatch bytes async handler in order',
  bytesRecords,
  { codec: 'bytes' },
  { target: TARGET_BYTES, handler: asyncNoop },
);
await measure(
  'processBatch bytes async handler concurrency 8',
  bytesRecords,
  { codec: 'bytes', concurrency: 8 },
  { target: TARGET_BYTES, handler: asyncNoop },
);
