// Forwarder benchmark: 10,000 records of 1 KiB, and of 30 KiB, forwarded through the real
// EventBridge client to the loopback EventBridge server of @streamshare/testkit. Reports PutEvents
// calls per 1,000 records against the true minimum the limits allow for that record sequence
// (computed by dynamic programming over the entry sizes the server measured, with its own
// implementation of the size formula), the ratio, and records per second. One JSON line per size.
// Run after `npm run build` (imports the built dist of this package and of testkit).
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { silentLogger } from '@streamshare/core';
import { eventBridgeEntrySize, startEventBridgeServer } from '@streamshare/testkit';
import { eventBridgeForwarder } from '../dist/index.js';

const RECORDS = 10_000;
const BATCH = 1_000; // records per handler call (a poller GetRecords batch; Lambda batches are at most 10,000)
const MAX_ENTRIES = 10;
const MAX_BYTES = 262_144;
const TARGET = 1.01;
const BUS_ARN = 'arn:aws:events:ap-northeast-1:777700007777:event-bus/kds-shared-bus';
const STREAM_ARN = 'arn:aws:kinesis:us-east-1:999900009999:stream/kds-sharing-example1';
const encoder = new TextEncoder();

/** `count` records whose data is a JSON object of exactly `bytes` bytes (some text varies in length). */
function makeRecords(count, bytes) {
  const base = 49649683864473953433843496278632352517587667908684677122n;
  return Array.from({ length: count }, (_, i) => {
    const head = `{"order":${i},"customer":"c-${(i * 7919) % 100_003}","note":"`;
    const pad = bytes - head.length - 2;
    return {
      streamArn: STREAM_ARN,
      shardId: 'shardId-000000000000',
      partitionKey: `customer-${i % 97}`,
      sequenceNumber: (base + BigInt(i) * 1_000_003n).toString(),
      approximateArrivalTimestamp: new Date(1_709_100_911_667 + i),
      data: encoder.encode(`${head}${'x'.repeat(pad)}"}`),
    };
  });
}

/**
 * The fewest calls that carry `sizes` in order (each call a contiguous run of at most MAX_ENTRIES
 * entries and MAX_BYTES bytes): best[i] = 1 + min over the last call's start j of best[j].
 */
function minimumCalls(sizes) {
  const best = new Array(sizes.length + 1).fill(Number.POSITIVE_INFINITY);
  best[0] = 0;
  for (let i = 1; i <= sizes.length; i++) {
    let bytes = 0;
    for (let j = i - 1; j >= 0 && i - j <= MAX_ENTRIES; j--) {
      bytes += sizes[j];
      if (bytes > MAX_BYTES) break;
      best[i] = Math.min(best[i], best[j] + 1);
    }
  }
  return best[sizes.length];
}

async function run(recordBytes, label) {
  const server = await startEventBridgeServer();
  const client = new EventBridgeClient({
    region: 'ap-northeast-1',
    endpoint: server.endpoint,
    credentials: { accessKeyId: 'AKIDLOOPBACK', secretAccessKey: 'loopback-secret' },
    maxAttempts: 1,
  });
  const forwarder = eventBridgeForwarder({ eventBusArn: BUS_ARN, client });
  const context = { signal: new AbortController().signal, logger: silentLogger };
  // Warm up the connection and the code paths, then forget that traffic.
  await forwarder.handle(makeRecords(50, recordBytes), context);
  server.reset();

  const records = makeRecords(RECORDS, recordBytes);
  const started = performance.now();
  for (let from = 0; from < records.length; from += BATCH) {
    const result = await forwarder.handle(records.slice(from, from + BATCH), context);
    if (result) throw new Error(`batch at ${from} stopped at ${result.done}: ${result.error}`);
  }
  const seconds = (performance.now() - started) / 1000;

  if (server.events.length !== RECORDS) throw new Error(`${server.events.length} events arrived for ${RECORDS}`);
  const sizes = server.events.map((e) =>
    eventBridgeEntrySize({
      Time: e.time,
      Source: e.source,
      DetailType: e.detailType,
      Detail: e.detail,
      Resources: e.resources,
    }),
  );
  const calls = server.calls.length;
  const minimum = minimumCalls(sizes);
  const totalBytes = sizes.reduce((a, b) => a + b, 0);
  const line = {
    bench: `eventbridge-forwarder-${label}`,
    records: RECORDS,
    recordBytes,
    batchSize: BATCH,
    avgEntryBytes: Math.round(totalBytes / RECORDS),
    calls,
    callsPer1000: (calls * 1000) / RECORDS,
    minimumCalls: minimum,
    minimumCallsPer1000: (minimum * 1000) / RECORDS,
    lowerBoundCalls: Math.max(Math.ceil(RECORDS / MAX_ENTRIES), Math.ceil(totalBytes / MAX_BYTES)),
    maxCallBytes: Math.max(...server.calls.map((c) => c.size)),
    refusedCalls: server.calls.filter((c) => c.status !== 200).length,
    recordsPerSecond: Math.round(RECORDS / seconds),
    ratio: Number((calls / minimum).toFixed(4)),
    target: TARGET,
  };
  client.destroy();
  await server.stop();
  return line;
}

for (const [bytes, label] of [
  [1024, '1KiB'],
  [30 * 1024, '30KiB'],
]) {
  process.stdout.write(`${JSON.stringify(await run(bytes, label))}\n`);
}
