// Put-to-handler latency, enhanced fan-out and polling side by side, same run, on kinesis-mock
// (4 shards, records put one at a time 40 ms apart; the handler measures now - the time just
// before the PutRecords call). Polling: the poller's defaults (idleTimeBetweenReadsMs 1000, 5
// GetRecords/s per shard), as latency.bench.mjs. EFO: createPoller({ consumerArn }) over testkit's
// h2c SubscribeToShard server, in this process.
//
// kinesis-mock cannot push: the server learns of new records by calling GetRecords on kinesis-mock
// every SERVER_POLL_MS while a shard is idle (plus the call's own time), which AWS does not do. So
// the EFO latency is split at the moment the server hands an event to HTTP/2 (`onEventWritten`):
// `serverShare` (put, kinesis-mock, the server's polling) and `clientShare` (HTTP/2 on loopback, the
// poller's event-stream decoding and record path up to the handler): the client share is
// what streamshare adds; AWS's own propagation (about 70 ms) takes the server share's place.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegisterStreamConsumerCommand } from '@aws-sdk/client-kinesis';
import {
  CONSUMER_ACCOUNT,
  createStream,
  kinesisHttp2Client,
  putRecords,
  startSubscribeServer,
} from '@streamshare/testkit';
import { createPoller } from '../dist/index.js';
import { bound, percentile, round, sleep, startEmulator } from './lib/kinesis-setup.mjs';

const COUNT = Number(process.env.BENCH_LATENCY_RECORDS ?? 150);
const GAP_MS = 40;
const SHARDS = 4;
const SERVER_POLL_MS = 50;

const { mock, producer } = await startEmulator();
/** Events the server wrote: [first sequence, last sequence, when], for the client share of a record. */
const written = [];
const server = await startSubscribeServer({
  kinesisEndpoint: mock.endpoint,
  pollMs: SERVER_POLL_MS,
  defaultScript: { kind: 'live' },
  onEventWritten: (event) => {
    if (event.records > 0)
      written.push([BigInt(event.firstSequenceNumber), BigInt(event.lastSequenceNumber), event.writingAt]);
  },
});
const dirs = [];

function stats(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.at(-1),
    meanMs: round(sorted.reduce((a, b) => a + b, 0) / sorted.length, 1),
  };
}

/** Runs a poller on a fresh stream, puts COUNT records one at a time; returns each record's latency parts. */
async function measure(name, makeOptions) {
  const streamArn = await createStream(producer, `bench-efo-latency-${name}-${Date.now()}`, SHARDS);
  const dir = mkdtempSync(join(tmpdir(), 'streamshare-bench-'));
  dirs.push(dir);
  const samples = [];
  let finish;
  const all = new Promise((resolve) => {
    finish = resolve;
  });
  const extra = await makeOptions(streamArn);
  const poller = createPoller({
    streamArn,
    checkpointDir: dir,
    codec: 'json',
    ...extra.options,
    handler: (record) => {
      samples.push({ at: Date.now(), putAt: record.data.t, sequenceNumber: record.sequenceNumber });
      if (samples.length === COUNT) finish();
    },
  });
  await poller.start();
  await sleep(1500); // every shard reader has made its first read or subscription
  for (let i = 0; i < COUNT; i++) {
    await putRecords(producer, streamArn, [{ data: JSON.stringify({ i, t: Date.now() }), partitionKey: `key-${i}` }]);
    await sleep(GAP_MS);
  }
  await Promise.race([all, bound(60_000, `${name} latency run`)]);
  await poller.stop();
  extra.close?.();
  return samples;
}

try {
  const polling = await measure('polling', async () => ({ options: {} }));
  const efo = await measure('efo', async (streamArn) => {
    const registered = await producer.send(
      new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: 'bench' }),
    );
    const client = kinesisHttp2Client({ endpoint: server.endpoint, account: CONSUMER_ACCOUNT });
    return {
      options: { consumerArn: registered.Consumer.ConsumerARN, kinesisClient: client },
      close: () => client.destroy(),
    };
  });
  const writtenAt = (sequenceNumber) => {
    const s = BigInt(sequenceNumber);
    return written.find(([first, last]) => first <= s && s <= last)?.[2];
  };
  const efoClient = efo.map((r) => r.at - writtenAt(r.sequenceNumber));
  const efoServer = efo.map((r) => writtenAt(r.sequenceNumber) - r.putAt);
  console.log(
    JSON.stringify({
      bench: 'poller-efo-latency',
      shards: SHARDS,
      records: COUNT,
      putGapMs: GAP_MS,
      polling: {
        settings: 'defaults (idleTimeBetweenReadsMs 1000, 5 GetRecords/s per shard)',
        ...stats(polling.map((r) => r.at - r.putAt)),
      },
      efo: stats(efo.map((r) => r.at - r.putAt)),
      efoServerShare: {
        what: `put + the h2c server polling kinesis-mock (GetRecords every ${SERVER_POLL_MS} ms while idle, plus the call): stands in for AWS's push (about 70 ms)`,
        ...stats(efoServer),
      },
      efoClientShare: {
        what: "event handed to HTTP/2 -> handler: loopback HTTP/2, the poller's event-stream decoding and record path",
        ...stats(efoClient),
      },
    }),
  );
} finally {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  await server.close();
  producer.destroy();
  await mock.stop();
}
