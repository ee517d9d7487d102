/**
 * The poller's checkpoints of every kind: the start marker (AT_TIMESTAMP) and SHARD_END as real
 * kinds, where reading starts from each, how the lease table stores them (the KCL's names), and the
 * forms streamshare 0.1 stored them in (a position at sequence number 0 or at 128 nines), which
 * still load: from the file store, the lease table, or any store.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AttributeValue, type DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { SplitShardCommand } from '@aws-sdk/client-kinesis';
import { type Checkpoint, FileCheckpointStore, MemoryCheckpointStore } from '@streamshare/core';
import { compareCheckpoints } from '@streamshare/core/internal';
import type { Poller } from '@streamshare/poller';
import { putRecords, waitForStreamActive } from '@streamshare/testkit';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fromLegacyForm } from '../src/coordination/legacy-checkpoints.js';
import { isShardEnd, SHARD_END_CHECKPOINT } from '../src/coordination/local-coordinator.js';
import { startMarker, startMarkerTime } from '../src/coordination/start-marker.js';
import { checkpointOrderKey } from '../src/leases/checkpoint-order.js';
import { DynamoDbLeaseCoordinator } from '../src/leases/index.js';
import { LeaseTable } from '../src/leases/lease-table.js';
import { positionOf } from '../src/reader/position.js';
import { producerClient, producerStream, textPoller, waitFor } from './helpers/engine-env.js';
import {
  dynamoClient,
  flatShards,
  type LocalDynamo,
  STREAM_ARN,
  shardId,
  startLocalDynamo,
  uniqueTableName,
} from './leases-support.js';

const S1 = '49649683864473953433843496278632352517587667908684677122';
const T = Date.parse('2024-02-28T06:15:11.667Z');
const at = (sequenceNumber: string, subSequenceNumber = 0, complete = true) => ({
  sequenceNumber,
  subSequenceNumber,
  complete,
});
/** The forms streamshare 0.1 stored its sentinels in. */
const OLD_MARKER = (ms: number) => at('0', ms, false);
const OLD_SHARD_END = at('9'.repeat(128), 0, true);

describe('the kinds in the poller (pure)', () => {
  it('reads the 0.1 forms as the kinds they meant, and nothing else', () => {
    expect(fromLegacyForm(OLD_MARKER(T))).toEqual({ kind: 'AT_TIMESTAMP', timestampMs: T });
    expect(fromLegacyForm(OLD_SHARD_END)).toEqual({ kind: 'SHARD_END' });
    for (const c of [at(S1), at(S1, 3, false), at('0', 5, true), at('9'.repeat(127)), SHARD_END_CHECKPOINT]) {
      expect(fromLegacyForm(c)).toBe(c);
    }
    expect(fromLegacyForm(undefined)).toBeUndefined();
    expect(isShardEnd(OLD_SHARD_END)).toBe(true);
    expect(isShardEnd(SHARD_END_CHECKPOINT)).toBe(true);
    expect(isShardEnd(OLD_MARKER(T))).toBe(false);
    expect(startMarkerTime(OLD_MARKER(T))).toEqual(new Date(T));
    expect(startMarkerTime(OLD_SHARD_END)).toBeUndefined();
  });

  it('the start marker and the shard end are kinds, not positions', () => {
    expect(startMarker(new Date(T))).toEqual({ kind: 'AT_TIMESTAMP', timestampMs: T });
    expect(SHARD_END_CHECKPOINT).toEqual({ kind: 'SHARD_END' });
  });

  it('reading starts from each kind at the starting position of its name', () => {
    expect(positionOf(at(S1, 2, false))).toEqual({ kind: 'checkpoint', checkpoint: at(S1, 2, false) });
    expect(positionOf({ kind: 'TRIM_HORIZON' })).toEqual({ kind: 'start', startingPosition: 'TRIM_HORIZON' });
    expect(positionOf({ kind: 'LATEST' })).toEqual({ kind: 'start', startingPosition: 'LATEST' });
    expect(positionOf({ kind: 'AT_TIMESTAMP', timestampMs: T })).toEqual({
      kind: 'start',
      startingPosition: { timestamp: new Date(T) },
    });
  });

  it('property: the lease table order key sorts as compareCheckpoints, every kind included', () => {
    const checkpoint: fc.Arbitrary<Checkpoint> = fc.oneof(
      fc.record({
        sequenceNumber: fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 128n }).map(String), fc.stringMatching(/^\d{1,60}$/)),
        subSequenceNumber: fc.nat({ max: 2 ** 40 }),
        complete: fc.boolean(),
      }),
      fc.constantFrom<Checkpoint>({ kind: 'TRIM_HORIZON' }, { kind: 'LATEST' }, { kind: 'SHARD_END' }),
      fc.nat({ max: Number.MAX_SAFE_INTEGER }).map((ms): Checkpoint => ({ kind: 'AT_TIMESTAMP', timestampMs: ms })),
    );
    fc.assert(
      fc.property(checkpoint, checkpoint, (a, b) => {
        const x = checkpointOrderKey(a);
        const y = checkpointOrderKey(b);
        expect(x < y ? -1 : x > y ? 1 : 0).toBe(Math.sign(compareCheckpoints(a, b)));
      }),
    );
  });
});

describe('the lease table', () => {
  let dynamo: LocalDynamo;
  let client: DynamoDBClient;
  const coordinators: DynamoDbLeaseCoordinator[] = [];

  beforeAll(async () => {
    dynamo = await startLocalDynamo();
    client = dynamoClient(dynamo.endpoint);
  });
  afterEach(() => {
    for (const c of coordinators.splice(0)) c.close();
  });
  afterAll(async () => {
    client.destroy();
    await dynamo.close();
  });

  async function holder(tableName: string, shards: number): Promise<DynamoDbLeaseCoordinator> {
    const c = new DynamoDbLeaseCoordinator({ client, tableName, streamArn: STREAM_ARN, workerId: 'a' });
    coordinators.push(c);
    await c.sync(flatShards(shards));
    return c;
  }

  async function item(tableName: string, shard: string): Promise<Record<string, AttributeValue>> {
    const out = await client.send(
      new GetItemCommand({ TableName: tableName, Key: { streamArn: { S: STREAM_ARN }, shardId: { S: shard } } }),
    );
    return out.Item ?? {};
  }

  it('stores a kind by the KCL name in checkpointSequenceNumber, the time of AT_TIMESTAMP beside it', async () => {
    const tableName = uniqueTableName('kinds');
    const a = await holder(tableName, 4);
    await a.checkpoints.put(STREAM_ARN, shardId(0), { kind: 'AT_TIMESTAMP', timestampMs: T });
    await a.checkpoints.put(STREAM_ARN, shardId(1), { kind: 'TRIM_HORIZON' });
    await a.checkpoints.put(STREAM_ARN, shardId(2), { kind: 'LATEST' });
    await a.checkpoints.put(STREAM_ARN, shardId(3), { kind: 'SHARD_END' });
    expect(await item(tableName, shardId(0))).toMatchObject({
      checkpointSequenceNumber: { S: 'AT_TIMESTAMP' },
      checkpointSubSequenceNumber: { N: '0' },
      checkpointTimestamp: { N: String(T) },
    });
    expect((await item(tableName, shardId(0))).checkpointComplete).toBeUndefined();
    for (const [n, kind] of [
      [1, 'TRIM_HORIZON'],
      [2, 'LATEST'],
      [3, 'SHARD_END'],
    ] as const) {
      const stored = await item(tableName, shardId(n));
      expect(stored).toMatchObject({ checkpointSequenceNumber: { S: kind }, checkpointSubSequenceNumber: { N: '0' } });
      expect(stored.checkpointTimestamp).toBeUndefined();
      expect(await a.checkpoints.get(STREAM_ARN, shardId(n))).toEqual({ kind });
    }
    expect(await a.checkpoints.get(STREAM_ARN, shardId(0))).toEqual({ kind: 'AT_TIMESTAMP', timestampMs: T });

    // The first real checkpoint replaces the marker: the marker's attributes go.
    await a.checkpoints.put(STREAM_ARN, shardId(0), at(S1, 1, false));
    const real = await item(tableName, shardId(0));
    expect(real).toMatchObject({
      checkpointSequenceNumber: { S: S1 },
      checkpointSubSequenceNumber: { N: '1' },
      checkpointComplete: { BOOL: false },
    });
    expect(real.checkpointTimestamp).toBeUndefined();
    // Back to a marker: refused, by the coordinator and by the table's own condition.
    await expect(
      a.checkpoints.put(STREAM_ARN, shardId(0), { kind: 'AT_TIMESTAMP', timestampMs: T + 1 }),
    ).rejects.toMatchObject({ code: 'CHECKPOINT_BACKWARDS' });
    const table = new LeaseTable({ client, tableName });
    const lease = (await table.list(STREAM_ARN)).find((l) => l.shardId === shardId(0))!;
    expect(await table.putCheckpoint(STREAM_ARN, shardId(0), 'a', lease.counter, { kind: 'LATEST' })).toBe(false);
    expect(await table.putCheckpoint(STREAM_ARN, shardId(0), 'a', lease.counter, SHARD_END_CHECKPOINT)).toBe(true);
  });

  it('loads the items of streamshare 0.1 (a marker at sequence number 0, a shard end at 128 nines) and writes on', async () => {
    const tableName = uniqueTableName('old-items');
    const a = await holder(tableName, 3);
    // As 0.1 wrote them: the sentinels as positions, with the order key of those positions.
    const old = async (shard: string, c: ReturnType<typeof at>) =>
      client.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: { streamArn: { S: STREAM_ARN }, shardId: { S: shard } },
          UpdateExpression:
            'SET checkpointSequenceNumber = :s, checkpointSubSequenceNumber = :n, checkpointComplete = :c, checkpointOrder = :o',
          ExpressionAttributeValues: {
            ':s': { S: c.sequenceNumber },
            ':n': { N: String(c.subSequenceNumber) },
            ':c': { BOOL: c.complete },
            ':o': {
              S: `${c.sequenceNumber.padStart(128, '0')}.${String(c.subSequenceNumber).padStart(16, '0')}.${c.complete ? 1 : 0}`,
            },
          },
        }),
      );
    await old(shardId(0), OLD_MARKER(T));
    await old(shardId(1), OLD_SHARD_END);
    // A KCL item: AT_TIMESTAMP with no time (the KCL keeps it in its configuration).
    await client.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: { streamArn: { S: STREAM_ARN }, shardId: { S: shardId(2) } },
        UpdateExpression: 'SET checkpointSequenceNumber = :s, checkpointSubSequenceNumber = :n',
        ExpressionAttributeValues: { ':s': { S: 'AT_TIMESTAMP' }, ':n': { N: '0' } },
      }),
    );

    const marker = await a.checkpoints.get(STREAM_ARN, shardId(0));
    expect(marker).toEqual(OLD_MARKER(T));
    expect(startMarkerTime(marker)).toEqual(new Date(T));
    expect(isShardEnd(await a.checkpoints.get(STREAM_ARN, shardId(1)))).toBe(true);
    expect(await a.checkpoints.get(STREAM_ARN, shardId(2))).toBeUndefined();

    // The first real checkpoint after an old marker, and SHARD_END after an old shard end, move forward.
    await a.checkpoints.put(STREAM_ARN, shardId(0), at(S1));
    expect(await a.checkpoints.get(STREAM_ARN, shardId(0))).toEqual(at(S1));
    await a.checkpoints.put(STREAM_ARN, shardId(1), SHARD_END_CHECKPOINT);
    expect(await a.checkpoints.get(STREAM_ARN, shardId(1))).toEqual(SHARD_END_CHECKPOINT);
  });
});

describe('the files of streamshare 0.1, read by a poller', () => {
  const pollers: Poller[] = [];
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'streamshare-old-files-'));
  });
  afterEach(async () => {
    await Promise.all(pollers.splice(0).map((p) => p.stop().catch(() => {})));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** A checkpoint file as 0.1 wrote it. */
  async function oldFile(directory: string, streamArn: string, shards: Record<string, object>): Promise<void> {
    const updatedAt = new Date().toISOString();
    await mkdir(directory, { recursive: true });
    const file = new FileCheckpointStore({ directory }).fileOf(streamArn);
    const stored = Object.fromEntries(Object.entries(shards).map(([id, c]) => [id, { ...c, updatedAt }]));
    await writeFile(file, `${JSON.stringify({ version: 1, streamArn, shards: stored }, null, 2)}\n`);
  }

  const texts = (tag: string, count: number) =>
    Array.from({ length: count }, (_, i) => ({ data: `${tag}-${i}`, partitionKey: `${tag}-key-${i}` }));

  /** Runs a poller on the file store in `directory` (TRIM_HORIZON for shards without a checkpoint) until it saw `count` records, and a little more. */
  async function readFrom(streamArn: string, directory: string, count: number): Promise<string[]> {
    const { poller, seen } = textPoller(streamArn, {
      checkpointStore: undefined,
      checkpointDir: directory,
      startingPosition: 'TRIM_HORIZON',
    });
    pollers.push(poller);
    await poller.start();
    await waitFor(() => seen.length >= count, `${count} records`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    return seen;
  }

  it('a start marker (sequence number 0): reading starts at its time, the records before it are not read', async () => {
    const streamArn = await producerStream('kinds-old-marker', 1);
    await putRecords(producerClient(), streamArn, texts('before', 3));
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const readingSince = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const after = texts('after', 4);
    await putRecords(producerClient(), streamArn, after);
    const directory = join(dir, 'marker');
    await oldFile(directory, streamArn, { 'shardId-000000000000': OLD_MARKER(readingSince) });

    // TRIM_HORIZON would read the records before the marker; a position at 0 would not read at all.
    expect(await readFrom(streamArn, directory, after.length)).toEqual(after.map((r) => r.data));
  });

  it('a shard end (128 nines): the closed parent is not read again, its children are', async () => {
    const streamArn = await producerStream('kinds-old-shard-end', 1);
    await putRecords(producerClient(), streamArn, texts('parent', 3));
    const producer = producerClient();
    await producer.send(
      new SplitShardCommand({
        StreamARN: streamArn,
        ShardToSplit: 'shardId-000000000000',
        NewStartingHashKey: (2n ** 127n).toString(),
      }),
    );
    await waitForStreamActive(producer, streamArn);
    const children = texts('child', 4);
    await putRecords(producerClient(), streamArn, children);
    const directory = join(dir, 'shard-end');
    await oldFile(directory, streamArn, { 'shardId-000000000000': OLD_SHARD_END });

    const seen = await readFrom(streamArn, directory, children.length);
    expect(seen.sort()).toEqual(children.map((r) => r.data).sort());
  });

  it('LATEST on a shard without a checkpoint: the start marker is written as an AT_TIMESTAMP kind', async () => {
    const streamArn = await producerStream('kinds-new-marker', 1);
    const store = new MemoryCheckpointStore();
    const before = Date.now();
    const { poller } = textPoller(streamArn, { checkpointStore: store, startingPosition: 'LATEST' });
    pollers.push(poller);
    await poller.start();
    await waitFor(() => store.snapshot()[streamArn]?.['shardId-000000000000'] !== undefined, 'the start marker');
    const marker = store.snapshot()[streamArn]!['shardId-000000000000']!;
    expect(marker).toEqual({ kind: 'AT_TIMESTAMP', timestampMs: expect.any(Number) });
    // The time the LATEST iterator was asked for, less a margin (LATEST_REPLAY_MARGIN_MS, 5 s).
    const { timestampMs } = marker as { timestampMs: number };
    expect(timestampMs).toBeGreaterThanOrEqual(before - 5_000);
    expect(timestampMs).toBeLessThanOrEqual(Date.now() - 5_000);
  });
});
