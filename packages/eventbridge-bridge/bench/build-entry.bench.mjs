// buildEntry alone (envelope + Detail text, no network): nanoseconds per record, best of 5 rounds,
// for JSON records of 1 KiB and 30 KiB given as bytes, 1 KiB given decoded, and a nested 1 KiB
// record; and for JSON nested 4,500 levels (sent as base64). One JSON line.
// Run after `npm run build` (imports the built dist of this package).
import { buildEntry } from '../dist/index.js';

const encoder = new TextEncoder();
const SETTINGS = {
  eventBusName: 'arn:aws:events:ap-northeast-1:777700007777:event-bus/kds-shared-bus',
  source: 'streamshare.kinesis',
  detailType: 'Kinesis Record',
};
const BASE = 49649683864473953433843496278632352517587667908684677122n;

function records(count, dataOf) {
  return Array.from({ length: count }, (_, i) => ({
    streamArn: 'arn:aws:kinesis:us-east-1:999900009999:stream/kds-sharing-example1',
    shardId: 'shardId-000000000000',
    partitionKey: `customer-${i % 97}`,
    sequenceNumber: (BASE + BigInt(i)).toString(),
    approximateArrivalTimestamp: new Date(1_709_100_911_667 + i),
    data: dataOf(i),
  }));
}

/** A JSON object of exactly `bytes` bytes, as the forwarder benchmark makes them. */
function flat(i, bytes) {
  const head = `{"order":${i},"customer":"c-${(i * 7919) % 100_003}","note":"`;
  return `${head}${'x'.repeat(bytes - head.length - 2)}"}`;
}

function nested(i) {
  const items = Array.from({ length: 12 }, (_, k) => ({ sku: `s-${k}`, qty: k, tags: ['a', 'b'] }));
  return JSON.stringify({ order: i, items });
}

const cases = {
  '1KiB': records(20_000, (i) => encoder.encode(flat(i, 1024))),
  '30KiB': records(2_000, (i) => encoder.encode(flat(i, 30 * 1024))),
  '1KiB-decoded': records(20_000, (i) => JSON.parse(flat(i, 1024))),
  'nested-1KiB': records(20_000, (i) => encoder.encode(nested(i))),
  'deep-4500': records(200, () => encoder.encode(`${'['.repeat(4_500)}${']'.repeat(4_500)}`)),
};

const nsPerRecord = {};
for (const [label, list] of Object.entries(cases)) {
  for (const record of list.slice(0, 200)) buildEntry(record, SETTINGS); // warm up
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 5; round++) {
    globalThis.gc?.();
    const started = performance.now();
    for (const record of list) buildEntry(record, SETTINGS);
    best = Math.min(best, ((performance.now() - started) * 1e6) / list.length);
  }
  nsPerRecord[label] = Math.round(best);
}
process.stdout.write(`${JSON.stringify({ bench: 'eventbridge-build-entry', nsPerRecord })}\n`);
