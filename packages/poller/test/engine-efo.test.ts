/**
 * createPoller({ consumerArn }): each shard read by SubscribeToShard (enhanced fan-out) through the
 * same record path, checkpoint stores, leases, lineage and shutdown as GetRecords. Kinesis is
 * kinesis-mock (globalSetup); SubscribeToShard is answered by testkit's loopback h2c server from
 * kinesis-mock's own records (every other call is forwarded to kinesis-mock).
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type KinesisClient,
  ListShardsCommand,
  RegisterStreamConsumerCommand,
  SplitShardCommand,
} from '@aws-sdk/client-kinesis';
import {
  CheckpointError,
  FileCheckpointStore,
  InvalidInputError,
  MemoryCheckpointStore,
  type StreamRecord,
} from '@streamshare/core';
import { compareSequenceNumbers } from '@streamshare/core/internal';
import { createPoller, type Poller, type PollerOptions } from '@streamshare/poller';
import { putRecords, waitForStreamActive } from '@streamshare/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SHARD_END_CHECKPOINT } from '../src/coordination/local-coordinator.js';
import { useEfoFixture } from './helpers/efo-fixture.js';
import {
  consumerClient,
  producerStream as createProducerStream,
  producerClient,
  waitFor,
} from './helpers/engine-env.js';
import { dynamoClient, type LocalDynamo, startLocalDynamo, uniqueTableName } from './leases-support.js';

// Heartbeats every 200 ms (AWS: about 5 s), so that a stop or a check is not kept waiting.
const efo = useEfoFixture({ defaultScript: { kind: 'live', heartbeatMs: 200 } });
const { pollers, streams, dirs } = efo;
/** An HTTP/2 client to the subscribe server, as the consumer account. */
const h2Client = () => efo.h2Client();
let dynamo: LocalDynamo;
const clients: KinesisClient[] = [];

beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterEach(() => {
  for (const client of clients.splice(0)) client.destroy();
});
afterAll(async () => {
  await dynamo?.close();
});

/** The consumer's HTTP/1.1 client to kinesis-mock, counting the GetRecords / GetShardIterator calls it sends. */
function countingClient(): { client: KinesisClient; reads: () => number } {
  const client = consumerClient();
  clients.push(client);
  let reads = 0;
  client.middlewareStack.add(
    (next, context) => (args) => {
      if (context.commandName === 'GetRecordsCommand' || context.commandName === 'GetShardIteratorCommand') reads++;
      return next(args);
    },
    { step: 'initialize' },
  );
  return { client, reads: () => reads };
}

async function producerStream(prefix: string, shards: number): Promise<string> {
  const arn = await createProducerStream(prefix, shards);
  streams.push(arn);
  return arn;
}

async function registerConsumer(streamArn: string, name = 'efo'): Promise<string> {
  const out = await producerClient().send(
    new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: name }),
  );
  return out.Consumer?.ConsumerARN ?? '';
}

/** A stream of `shards` shards with a consumer, and `count` records `<tag><i>` (own partition keys) written to it. */
async function filledStream(prefix: string, shards: number, tag: string, count: number) {
  const streamArn = await producerStream(prefix, shards);
  const consumerArn = await registerConsumer(streamArn);
  const data = Array.from({ length: count }, (_, i) => `${tag}${i}`);
  const written = await putRecords(
    producerClient(),
    streamArn,
    data.map((d, i) => ({ data: d, partitionKey: `key-${i}` })),
  );
  return { streamArn, consumerArn, data, written };
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ss-efo-'));
  dirs.push(dir);
  return dir;
}

/** A poller whose handler keeps each record (text) in `seen`, in the order handled. */
function efoPoller(
  options: Partial<PollerOptions> & Pick<PollerOptions, 'streamArn' | 'consumerArn'>,
  onRecord?: (record: StreamRecord<unknown>) => void,
): { poller: Poller; seen: StreamRecord<unknown>[] } {
  const seen: StreamRecord<unknown>[] = [];
  const poller = createPoller({
    handler: (record: StreamRecord<unknown>) => {
      onRecord?.(record);
      seen.push(record);
    },
    codec: 'text',
    idleTimeBetweenReadsMs: 50,
    shardSyncIntervalMs: 300,
    ...options,
  } as PollerOptions);
  pollers.push(poller);
  return { poller, seen };
}

/** The records handled per shard, as text, in the order handled. */
function byShard(seen: readonly StreamRecord<unknown>[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const record of seen) {
    const list = out.get(record.shardId) ?? [];
    list.push(String(record.data));
    out.set(record.shardId, list);
  }
  return out;
}

/** What was written, per shard, in sequence order (as text). */
function writtenByShard(written: readonly { shardId: string; sequenceNumber: string }[], data: readonly string[]) {
  const out = new Map<string, { sequenceNumber: string; data: string }[]>();
  written.forEach((w, i) => {
    const list = out.get(w.shardId) ?? [];
    list.push({ sequenceNumber: w.sequenceNumber, data: data[i] as string });
    out.set(w.shardId, list);
  });
  return new Map(
    [...out].map(([shard, list]) => [
      shard,
      list.sort((a, b) => compareSequenceNumbers(a.sequenceNumber, b.sequenceNumber)).map((r) => r.data),
    ]),
  );
}

const noSubscriptionOpen = () =>
  efo.server.waitFor((stats) => stats.subscriptionsOpen === 0 && stats.subscriptionSessionsOpen === 0, 5_000);

describe('createPoller({ consumerArn }): enhanced fan-out', () => {
  it('reads several shards through SubscribeToShard, in order per shard, with the file store; stop() leaves no HTTP/2 session open', async () => {
    const { streamArn, consumerArn, data, written } = await filledStream('efo-file', 3, 'f', 45);
    const directory = await tempDir();
    const first = efo.server.calls.length;
    // One HTTP/2 client for everything: ListShards is forwarded to kinesis-mock, SubscribeToShard answered.
    const { poller, seen } = efoPoller({ streamArn, consumerArn, kinesisClient: h2Client(), checkpointDir: directory });
    await poller.start();
    await waitFor(() => seen.length >= data.length, 'every record');
    expect(byShard(seen)).toEqual(writtenByShard(written, data));
    const shards = new Set(written.map((w) => w.shardId));
    expect(shards.size).toBeGreaterThan(1);
    // Every shard was read by SubscribeToShard, from TRIM_HORIZON, as this consumer.
    const calls = efo.server.calls.slice(first);
    for (const shardId of shards) {
      expect(calls.find((c) => c.shardId === shardId)).toMatchObject({
        consumerArn,
        startingPosition: { Type: 'TRIM_HORIZON' },
      });
    }
    expect(efo.server.stats().subscriptionsOpen).toBeGreaterThan(0);
    expect(poller.status().shards.every((s) => s.state === 'processing')).toBe(true);
    await poller.stop();
    await noSubscriptionOpen();
    // The file store holds each shard's last record.
    const store = new FileCheckpointStore({ directory });
    try {
      for (const [shardId, list] of writtenByShard(
        written,
        written.map((w) => w.sequenceNumber),
      )) {
        expect(await store.get(streamArn, shardId)).toMatchObject({ sequenceNumber: list.at(-1), complete: true });
      }
    } finally {
      await store.close();
    }

    // A restart resumes after the checkpoints: only what was written since is handled.
    const more = await putRecords(producerClient(), streamArn, [{ data: 'after', partitionKey: 'key-0' }]);
    const second = efo.server.calls.length;
    const again = efoPoller({ streamArn, consumerArn, kinesisClient: h2Client(), checkpointDir: directory });
    await again.poller.start();
    await waitFor(() => again.seen.length >= 1, 'the record written after the stop');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(again.seen.map((r) => String(r.data))).toEqual(['after']);
    const resumed = efo.server.calls.slice(second).find((c) => c.shardId === more[0]?.shardId);
    expect(resumed?.startingPosition.Type).toBe('AFTER_SEQUENCE_NUMBER');
  });

  it('with a DynamoDB lease table (dynalite): every record in order per shard, checkpoints in the leases, a restart reads nothing twice', async () => {
    const { streamArn, consumerArn, data, written } = await filledStream('efo-leases', 2, 'l', 30);
    const tableName = uniqueTableName('efo');
    const leaseTable = { tableName, client: dynamoClient(dynamo.endpoint), failoverTimeMs: 3_000 };
    const polling = countingClient();
    const { poller, seen } = efoPoller({
      streamArn,
      consumerArn,
      kinesisClient: polling.client,
      subscribeClient: h2Client(),
      leaseTable,
    });
    await poller.start();
    await waitFor(() => seen.length >= data.length, 'every record');
    expect(byShard(seen)).toEqual(writtenByShard(written, data));
    // Read by SubscribeToShard only: the HTTP/1.1 client sent no GetShardIterator / GetRecords.
    expect(polling.reads()).toBe(0);
    await poller.stop();
    await noSubscriptionOpen();

    await putRecords(producerClient(), streamArn, [{ data: 'later', partitionKey: 'key-1' }]);
    const again = efoPoller({
      streamArn,
      consumerArn,
      kinesisClient: consumerClient(),
      subscribeClient: h2Client(),
      leaseTable: { ...leaseTable, client: dynamoClient(dynamo.endpoint) },
    });
    await again.poller.start();
    await waitFor(() => again.seen.length >= 1, 'the later record');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(again.seen.map((r) => String(r.data))).toEqual(['later']);
  });

  it('a SplitShard: the parent read to its end (ChildShards), SHARD_END checkpoint, then its children', async () => {
    const producer = producerClient();
    const streamArn = await producerStream('efo-split', 1);
    const consumerArn = await registerConsumer(streamArn);
    const batch = (tag: string) =>
      Array.from({ length: 10 }, (_, i) => ({ data: `${tag}-${i}`, partitionKey: `k-${i}` }));
    const store = new MemoryCheckpointStore();
    const events: string[] = [];
    const polling = countingClient();
    const { poller, seen } = efoPoller(
      {
        streamArn,
        consumerArn,
        kinesisClient: polling.client,
        subscribeClient: h2Client(),
        checkpointStore: store,
        observer: {
          onShardStarted: (shardId) => events.push(`start ${shardId}`),
          onShardStopped: (shardId, reason) => events.push(`${reason} ${shardId}`),
        },
      },
      (record) => events.push(`record ${record.shardId}`),
    );
    await putRecords(producer, streamArn, batch('parent'));
    await poller.start();
    await waitFor(() => seen.length >= 10, 'the parent records');
    const parent = 'shardId-000000000000';
    await producer.send(
      new SplitShardCommand({ StreamARN: streamArn, ShardToSplit: parent, NewStartingHashKey: '2'.repeat(38) }),
    );
    await waitForStreamActive(producer, streamArn);
    await putRecords(producer, streamArn, batch('child'));
    await waitFor(() => seen.length >= 20, 'the child records', 30_000);
    const { Shards = [] } = await consumerClient().send(new ListShardsCommand({ StreamARN: streamArn }));
    const children = Shards.filter((s) => s.ParentShardId === parent).map((s) => s.ShardId ?? '');
    expect(children).toHaveLength(2);
    expect(seen.filter((r) => r.shardId === parent).map((r) => String(r.data))).toEqual(
      batch('parent').map((r) => r.data),
    );
    expect(
      seen
        .filter((r) => r.shardId !== parent)
        .map((r) => String(r.data))
        .sort(),
    ).toEqual(
      batch('child')
        .map((r) => r.data)
        .sort(),
    );
    // The parent finished (its subscription ended with ChildShards) before any child started.
    const finished = events.indexOf(`finished ${parent}`);
    expect(finished).toBeGreaterThan(0);
    for (const child of children) {
      const started = events.indexOf(`start ${child}`);
      expect(started).toBeGreaterThan(finished);
    }
    expect(await store.get(streamArn, parent)).toEqual(SHARD_END_CHECKPOINT);
    expect(polling.reads()).toBe(0);
    await poller.stop();
    await noSubscriptionOpen();
  });

  it('a handler failure blocks the shard: the subscription is closed and a new one starts from the checkpoint, nothing lost', async () => {
    const streamArn = await producerStream('efo-block', 1);
    const consumerArn = await registerConsumer(streamArn);
    const data = Array.from({ length: 10 }, (_, i) => `b${i}`);
    const written = await putRecords(
      producerClient(),
      streamArn,
      data.map((d) => ({ data: d, partitionKey: 'k' })),
    );
    let failures = 0;
    const first = efo.server.calls.length;
    const { poller, seen } = efoPoller({
      streamArn,
      consumerArn,
      kinesisClient: consumerClient(),
      subscribeClient: h2Client(),
      checkpointStore: new MemoryCheckpointStore(),
      retry: { attempts: 1 },
      failureBackoff: { minMs: 50, maxMs: 100 },
      handler: (record: StreamRecord<unknown>) => {
        if (String(record.data) === 'b4' && failures === 0) {
          failures++;
          throw new Error('first try of b4 fails');
        }
        seen.push(record);
      },
    });
    await poller.start();
    await waitFor(() => seen.length >= data.length, 'every record, b4 on its second try', 20_000);
    expect(seen.map((r) => String(r.data))).toEqual(data);
    expect(failures).toBe(1);
    const calls = efo.server.calls.slice(first);
    expect(calls.length).toBeGreaterThanOrEqual(2);
    expect(calls[0]?.startingPosition).toEqual({ Type: 'TRIM_HORIZON' });
    // Subscribed again after b3, the checkpoint: b4 is read again, nothing before it.
    expect(calls[1]?.startingPosition).toEqual({
      Type: 'AFTER_SEQUENCE_NUMBER',
      SequenceNumber: written[3]?.sequenceNumber,
    });
    await poller.stop();
    await noSubscriptionOpen();
  });

  it('a lost lease (LEASE_LOST from the store) ends the reader and closes its subscription; the poller goes on', async () => {
    const { streamArn, consumerArn } = await filledStream('efo-lost', 1, 'x', 5);
    const inner = new MemoryCheckpointStore();
    const stopped: string[] = [];
    const { poller, seen } = efoPoller({
      streamArn,
      consumerArn,
      kinesisClient: consumerClient(),
      subscribeClient: h2Client(),
      // No sync (and no new reader) during the test.
      shardSyncIntervalMs: 60_000,
      checkpointStore: {
        get: (stream, shard) => inner.get(stream, shard),
        put: async () => {
          throw new CheckpointError('LEASE_LOST', 'injected: the shard is now held by worker-2');
        },
      },
      observer: { onShardStopped: (shardId, reason) => stopped.push(`${reason} ${shardId}`) },
    });
    await poller.start();
    await waitFor(() => stopped.length > 0, 'the reader to end');
    expect(stopped).toEqual(['lost shardId-000000000000']);
    expect(seen.map((r) => String(r.data))).toEqual(['x0', 'x1', 'x2', 'x3', 'x4']);
    await noSubscriptionOpen();
    expect(poller.status().running).toBe(true);
  });

  it('refuses a consumer ARN of another stream, and an HTTP/1.1 kinesisClient without a subscribeClient, with typed errors', async () => {
    const streamArn = 'arn:aws:kinesis:us-east-1:111122223333:stream/orders';
    const other = 'arn:aws:kinesis:us-east-1:111122223333:stream/payments/consumer/efo:1700000000';
    const create = (options: Partial<PollerOptions>) => () =>
      createPoller({ streamArn, handler: () => {}, checkpointStore: new MemoryCheckpointStore(), ...options });
    expect(create({ consumerArn: other })).toThrow(InvalidInputError);
    expect(create({ consumerArn: other })).toThrow(
      expect.objectContaining({ code: 'CONSUMER_STREAM_MISMATCH', message: expect.stringContaining('consumerArn') }),
    );
    expect(create({ consumerArn: 'not-an-arn' })).toThrow(expect.objectContaining({ code: 'INVALID_CONSUMER_ARN' }));
    const mine = `${streamArn}/consumer/efo:1700000000`;
    const http1 = consumerClient();
    clients.push(http1);
    expect(create({ consumerArn: mine, kinesisClient: http1 })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringContaining('subscribeClient') }),
    );
    expect(create({ consumerArn: mine, kinesisClient: http1, subscribeClient: http1 })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringContaining('HTTP/2') }),
    );
    // A consumer of this stream with an HTTP/2 client: accepted.
    expect(create({ consumerArn: mine, kinesisClient: h2Client() })).not.toThrow();
  });
});
