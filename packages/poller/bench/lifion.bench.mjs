// Against a peer: lifion-kinesis (pure-Node consumer with DynamoDB leases; dev dependency for this
// bench only) and the poller with a DynamoDB lease table, on the same pre-filled 4-shard kinesis-mock
// stream, leases in dynalite: time from start to the first record and to the last.
// Targets: the poller's first record within 3 s of start, and a drain at least as fast as lifion-kinesis.
import { createRequire } from 'node:module';
import { startDynalite } from '@streamshare/testkit';
import { createPoller } from '../dist/index.js';
import { bound, filledStream, PRODUCER_ACCOUNT, round, startEmulator } from './lib/kinesis-setup.mjs';

const require = createRequire(import.meta.url);
const Kinesis = require('lifion-kinesis');

const SHARDS = 4;
const RECORDS = Number(process.env.BENCH_PEER_RECORDS ?? 1000);
const LIMIT_MS = 90_000;
const { mock, producer } = await startEmulator();
const dynalite = await startDynalite();
process.env.AWS_ENDPOINT_URL_DYNAMODB = dynalite.endpoint;
const silent = { debug() {}, info() {}, warn() {}, error() {} };

try {
  const { arn, fillSeconds } = await filledStream(producer, 'bench-peer', SHARDS, RECORDS);
  const streamName = arn.split('/')[1];

  async function ours() {
    let first;
    let n = 0;
    let finish;
    const all = new Promise((resolve) => {
      finish = resolve;
    });
    const started = performance.now();
    const poller = createPoller({
      streamArn: arn,
      codec: 'json',
      leaseTable: { tableName: `streamshare-bench-${Date.now()}` },
      handler: () => {
        first ??= performance.now();
        if (++n === RECORDS) finish();
      },
    });
    await poller.start();
    await Promise.race([all, bound(LIMIT_MS, 'the poller')]);
    const last = performance.now();
    await poller.stop();
    return {
      firstRecordSeconds: round((first - started) / 1000, 3),
      lastRecordSeconds: round((last - started) / 1000, 3),
    };
  }

  async function lifion() {
    let first;
    let n = 0;
    let finish;
    const all = new Promise((resolve) => {
      finish = resolve;
    });
    const started = performance.now();
    const consumer = new Kinesis({
      streamName,
      endpoint: mock.endpoint,
      region: 'us-east-1',
      // lifion-kinesis names streams, not ARNs: it reads in the account of its own credentials.
      accessKeyId: PRODUCER_ACCOUNT,
      secretAccessKey: 'test',
      createStreamIfNeeded: false,
      initialPositionInStream: 'TRIM_HORIZON',
      consumerGroup: `lifion-bench-${Date.now()}`,
      logger: silent,
      dynamoDb: {
        endpoint: dynalite.endpoint,
        region: 'us-east-1',
        accessKeyId: PRODUCER_ACCOUNT,
        secretAccessKey: 'test',
        tableName: `lifion-bench-${Date.now()}`,
      },
    });
    consumer.on('data', ({ records }) => {
      first ??= performance.now();
      n += records.length;
      if (n >= RECORDS) finish();
    });
    consumer.on('error', () => {});
    await consumer.startConsumer();
    try {
      await Promise.race([all, bound(LIMIT_MS, 'lifion-kinesis')]);
    } finally {
      consumer.stopConsumer();
    }
    const last = performance.now();
    return {
      firstRecordSeconds: round((first - started) / 1000, 3),
      lastRecordSeconds: round((last - started) / 1000, 3),
    };
  }

  const streamshare = await ours();
  let peer;
  try {
    peer = await lifion();
  } catch (error) {
    peer = { error: error.message };
  }
  console.log(
    JSON.stringify({
      bench: 'poller-vs-lifion-kinesis',
      shards: SHARDS,
      records: RECORDS,
      recordBytes: 1024,
      fillSeconds: round(fillSeconds),
      streamshare,
      lifionKinesis: peer,
      firstRecordTargetSeconds: 3,
      firstRecordOk: streamshare.firstRecordSeconds <= 3,
      ratio: peer.lastRecordSeconds ? round(peer.lastRecordSeconds / streamshare.lastRecordSeconds, 3) : null,
      target: 1,
    }),
  );
} finally {
  producer.destroy();
  await dynalite.stop();
  await mock.stop();
}
// lifion-kinesis leaves timers behind after stopConsumer().
process.exit(0);
