// Records per second of a Lambda Kinesis handler over a 10,000-record event of 1 KiB JSON
// records, where the handler sums one field. Three contenders, same event, same process:
//   - kinesisHandler of @streamshare/lambda-adapter (codec 'json': base64, JSON, in sequence order,
//     stopping at the first failure);
//   - Powertools' BatchProcessor + processPartialResponse (EventType.KinesisDataStreams), whose
//     record handler base64-decodes, JSON.parses and sums (it does not keep order or stop);
//   - a bare loop that only base64-decodes, JSON.parses and sums.
// Warm-up, then rounds interleaved; the best round of each counts.
// Usage: npm run build -w @streamshare/core -w @streamshare/lambda-adapter && node bench/kinesis-handler.bench.mjs
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { createLogger } from '@streamshare/core';
import { kinesisHandler } from '../dist/index.js';

const RECORDS = Number(process.env.BENCH_RECORDS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 5);
const STREAM_ARN = 'arn:aws:kinesis:us-east-1:999900009999:stream/kds-sharing-example1';
const BASE = 49649683864473953433843496278632352517587667908684677122n;

function makeEvent() {
  const Records = [];
  const arrival = Date.now() / 1000;
  for (let i = 0; i < RECORDS; i++) {
    const head = { id: i, value: i % 97, key: `key-${i % 100}`, pad: '' };
    const size = JSON.stringify(head).length;
    head.pad = 'x'.repeat(1024 - size);
    const data = Buffer.from(JSON.stringify(head)).toString('base64');
    const sequenceNumber = (BASE + BigInt(i) * 1000n).toString();
    Records.push({
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: head.key,
        sequenceNumber,
        data,
        approximateArrivalTimestamp: arrival,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `shardId-000000000000:${sequenceNumber}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::888800008888:role/service-role/kds-reader1-role-q6zcv9kq',
      awsRegion: 'us-east-1',
      eventSourceARN: STREAM_ARN,
    });
  }
  return { Records };
}

const event = makeEvent();
const expected = event.Records.reduce((total, _r, i) => total + (i % 97), 0);
const context = {
  awsRequestId: 'bench',
  functionName: 'kds-reader1',
  getRemainingTimeInMillis: () => 900_000,
};

let sum = 0;

const streamshare = kinesisHandler(
  (record) => {
    sum += record.data.value;
  },
  { codec: 'json', logger: createLogger({ level: 'silent' }) },
);

const processor = new BatchProcessor(EventType.KinesisDataStreams);
const powertoolsRecordHandler = async (record) => {
  const payload = JSON.parse(Buffer.from(record.kinesis.data, 'base64').toString('utf8'));
  sum += payload.value;
};

const contenders = {
  streamshare: async () => {
    const response = await streamshare(event, context);
    if (response.batchItemFailures.length !== 0) throw new Error('kinesisHandler reported a failure');
  },
  powertools: async () => {
    const response = await processPartialResponse(event, powertoolsRecordHandler, processor, { context });
    if (response.batchItemFailures.length !== 0) throw new Error('Powertools reported a failure');
  },
  bare: async () => {
    const records = event.Records;
    for (let i = 0; i < records.length; i++) {
      const payload = JSON.parse(Buffer.from(records[i].kinesis.data, 'base64').toString('utf8'));
      sum += payload.value;
    }
  },
};

async function timeOnce(name) {
  sum = 0;
  globalThis.gc?.();
  const start = process.hrtime.bigint();
  await contenders[name]();
  const ns = Number(process.hrtime.bigint() - start);
  if (sum !== expected) throw new Error(`${name} summed ${sum}, expected ${expected}`);
  return RECORDS / (ns / 1e9);
}

const names = Object.keys(contenders);
for (let i = 0; i < WARMUP; i++) for (const name of names) await timeOnce(name);
const best = Object.fromEntries(names.map((name) => [name, 0]));
for (let round = 0; round < ROUNDS; round++) {
  for (const name of names) best[name] = Math.max(best[name], await timeOnce(name));
}

const round = (n) => Math.round(n);
const common = {
  records: RECORDS,
  recordBytes: 1024,
  rounds: ROUNDS,
  streamshareRecordsPerSecond: round(best.streamshare),
  powertoolsRecordsPerSecond: round(best.powertools),
  bareLoopRecordsPerSecond: round(best.bare),
};
const vsPowertools = best.streamshare / best.powertools;
const vsBare = best.streamshare / best.bare;
console.log(
  JSON.stringify({
    bench: 'lambda-adapter.kinesisHandler-vs-powertools',
    ...common,
    ratio: Math.round(vsPowertools * 100) / 100,
    target: 1.5,
    met: vsPowertools >= 1.5,
  }),
);
console.log(
  JSON.stringify({
    bench: 'lambda-adapter.kinesisHandler-vs-bare-loop',
    ...common,
    ratio: Math.round(vsBare * 100) / 100,
    target: 0.8,
    met: vsBare >= 0.8,
  }),
);
