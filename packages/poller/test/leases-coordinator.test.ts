import {
  type AttributeValue,
  DescribeTableCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { CheckpointError } from '@streamshare/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isShardEnd } from '../src/coordination/local-coordinator.js';
import type { ShardDescriptor } from '../src/coordination/shard-coordinator.js';
import { DynamoDbLeaseCoordinator, type DynamoDbLeaseCoordinatorOptions } from '../src/leases/index.js';
import { LeaseTable } from '../src/leases/lease-table.js';
import {
  dynamoClient,
  flatShards,
  type LocalDynamo,
  STREAM_ARN,
  shardId,
  sleep,
  startLocalDynamo,
  uniqueTableName,
} from './leases-support.js';

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

function worker(
  tableName: string,
  workerId: string,
  extra: Partial<DynamoDbLeaseCoordinatorOptions> = {},
): DynamoDbLeaseCoordinator {
  const c = new DynamoDbLeaseCoordinator({
    client,
    tableName,
    streamArn: STREAM_ARN,
    workerId,
    failoverTimeMs: 1500,
    createIfMissing: true,
    ...extra,
  });
  coordinators.push(c);
  return c;
}

const cp = (seq: string, sub = 0, complete = true) => ({ sequenceNumber: seq, subSequenceNumber: sub, complete });

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  await expect(promise).rejects.toMatchObject({ code });
}

describe('lease table', () => {
  it('is created on demand (PAY_PER_REQUEST, streamArn + shardId) and ACTIVE before start resolves', async () => {
    const tableName = uniqueTableName();
    await worker(tableName, 'w1').start();
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(Table?.KeySchema).toEqual([
      { AttributeName: 'streamArn', KeyType: 'HASH' },
      { AttributeName: 'shardId', KeyType: 'RANGE' },
    ]);
    // several workers starting at once all succeed against the same table
    await Promise.all([worker(tableName, 'w2').start(), worker(tableName, 'w3').start()]);
  });

  it('is only verified when createIfMissing is false: a missing table is an error naming it and the region', async () => {
    const tableName = uniqueTableName('missing');
    const error = await worker(tableName, 'w1', { createIfMissing: false })
      .start()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'LEASE_TABLE_NOT_FOUND', tableName });
    expect((error as Error).message).toContain(JSON.stringify(tableName));
    expect((error as Error).message).toContain('us-east-1');
    expect((error as Error).message).toContain("poller's own account");
  });

  it('refuses a table with another key schema', async () => {
    const tableName = uniqueTableName('kcl');
    const { CreateTableCommand } = await import('@aws-sdk/client-dynamodb');
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'leaseKey', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'leaseKey', KeyType: 'HASH' }],
      }),
    );
    await expectCode(worker(tableName, 'w1', { createIfMissing: false }).start(), 'LEASE_TABLE_SCHEMA');
  });
});

describe('taking leases', () => {
  it('takes every free lease on the first sync, at once', async () => {
    const tableName = uniqueTableName();
    const w1 = worker(tableName, 'w1');
    const t0 = performance.now();
    await w1.start();
    const t1 = performance.now();
    const owned = await w1.sync(flatShards(4));
    const t2 = performance.now();
    const elapsed = t2 - t0;
    expect([...owned].sort()).toEqual(flatShards(4).map((s) => s.shardId));
    expect(w1.held()).toEqual(owned);
    for (const id of owned) expect(w1.owns(id)).toBe(true);
    // "At once" is the one sync call above; its time is reported here and measured by the benches.
    console.info(
      `[leases] table create ${(t1 - t0).toFixed(0)} ms + first sync holding 4 leases ${(t2 - t1).toFixed(0)} ms (${elapsed.toFixed(0)} ms)`,
    );
  });

  it('creates one item per shard with its parents, and a new worker sees the leases as held', async () => {
    const tableName = uniqueTableName();
    const w1 = worker(tableName, 'w1');
    await w1.sync([{ shardId: 'p' }, { shardId: 'c', parentShardId: 'p', adjacentParentShardId: 'q' }]);
    const table = new LeaseTable({ client, tableName });
    const leases = await table.list(STREAM_ARN);
    expect(leases.map((l) => [l.shardId, l.owner, l.parentShardIds])).toEqual([
      ['c', undefined, ['p', 'q']],
      ['p', 'w1', []],
    ]);
    // a second worker started after: w1 is alive, nothing free, it may steal nothing (1 processable, 2 workers)
    const w2 = worker(tableName, 'w2');
    expect(await w2.sync([{ shardId: 'p' }, { shardId: 'c', parentShardId: 'p' }])).toEqual([]);
  });

  it('three workers on a 6-shard stream converge to 2 leases each', async () => {
    const tableName = uniqueTableName();
    const shards = flatShards(6);
    const workers = ['w1', 'w2', 'w3'].map((id) => worker(tableName, id, { failoverTimeMs: 10_000 }));
    let rounds = 0;
    let counts: number[] = [];
    while (rounds < 12) {
      rounds++;
      await Promise.all(workers.map((w) => w.sync(shards)));
      counts = workers.map((w) => w.held().length);
      if (counts.every((n) => n === 2)) break;
    }
    console.info(`[leases] 3 workers / 6 shards balanced 2/2/2 after ${rounds} concurrent sync rounds`);
    expect(counts).toEqual([2, 2, 2]);
    const all = workers.flatMap((w) => w.held());
    expect(new Set(all).size).toBe(6);
    // stable: more syncs move nothing
    const before = workers.map((w) => w.held().join());
    for (let i = 0; i < 3; i++) await Promise.all(workers.map((w) => w.sync(shards)));
    expect(workers.map((w) => w.held().join())).toEqual(before);
  });

  it('balancing takes at most one lease per sync from the busiest worker', async () => {
    const tableName = uniqueTableName();
    const shards = flatShards(6);
    const busy = worker(tableName, 'busy', { failoverTimeMs: 10_000 });
    expect(await busy.sync(shards)).toHaveLength(6);
    const newcomer = worker(tableName, 'new', { failoverTimeMs: 10_000 });
    const history: number[] = [];
    for (let i = 0; i < 5; i++) {
      await newcomer.sync(shards);
      await busy.sync(shards);
      history.push(newcomer.held().length);
    }
    // one lease per sync until the target of 3 each is reached, then none
    expect(history).toEqual([1, 2, 3, 3, 3]);
    expect(busy.held()).toHaveLength(3);
  });
});

describe('failover', () => {
  it("takes over a crashed worker's shards within the failover time", async () => {
    const tableName = uniqueTableName();
    const shards = flatShards(4);
    const failoverTimeMs = 1500;
    const a = worker(tableName, 'a', { failoverTimeMs });
    const b = worker(tableName, 'b', { failoverTimeMs });
    await a.sync(shards);
    await b.sync(shards);
    for (let i = 0; i < 3; i++) await Promise.all([a.sync(shards), b.sync(shards)]);
    expect(a.held()).toHaveLength(2);
    expect(b.held()).toHaveLength(2);
    const crashedShards = a.held();

    a.close(); // crash: renewal stops, nothing released
    const crashedAt = performance.now();
    // Counted in b's syncs, not in wall time, so that a loaded machine cannot fail it: b must not
    // take the leases before it has seen their counters still for failoverTimeMs, and must take
    // them at the first or second sync after that.
    const syncStarts: number[] = [];
    const syncEnds: number[] = [];
    let takenAtSync: number | undefined;
    while (takenAtSync === undefined && syncStarts.length < 100) {
      syncStarts.push(performance.now());
      await b.sync(shards);
      syncEnds.push(performance.now());
      if (crashedShards.every((id) => b.owns(id))) takenAtSync = syncStarts.length - 1;
      else await sleep(b.syncIntervalMs);
    }
    expect(takenAtSync).toBeDefined();
    const takeover = syncStarts[takenAtSync as number]! - crashedAt;
    console.info(
      `[leases] crashed worker's leases taken over after ${takeover.toFixed(0)} ms, at sync ${takenAtSync} (failover ${failoverTimeMs} ms, sync every ${b.syncIntervalMs} ms)`,
    );
    expect(b.held()).toHaveLength(4);
    // KCL-style local observation. Not before the failover time (less the renewal b may have seen
    // before the crash); and b has seen the crashed worker's last counters by the end of its first
    // sync after the crash, so the first sync that starts failoverTimeMs after that takes them.
    expect(takeover).toBeGreaterThanOrEqual(failoverTimeMs - b.syncIntervalMs);
    const firstAfterExpiry = syncStarts.findIndex((at) => at - syncEnds[0]! >= failoverTimeMs);
    expect(takenAtSync as number).toBeLessThanOrEqual(firstAfterExpiry + 1);

    // the crashed worker comes back to life: its checkpoints are refused, and it notices at once
    const victim = crashedShards[0] as string;
    await expectCode(a.checkpoints.put(STREAM_ARN, victim, cp('100')), 'LEASE_LOST');
    expect(a.owns(victim)).toBe(false);
  });

  it('keeps leases alive through the renewal timer while sync is not called', async () => {
    const tableName = uniqueTableName();
    const shards = flatShards(1); // 1 lease, 2 workers: balanced, nothing to steal
    const a = worker(tableName, 'a', { failoverTimeMs: 900 });
    const b = worker(tableName, 'b', { failoverTimeMs: 900 });
    await a.sync(shards);
    await b.sync(shards);
    await sleep(2000); // a does not sync; its timer renews
    expect(await b.sync(shards)).toEqual([]);
    expect(a.held()).toHaveLength(1);
  });

  it('release on stop lets another worker take the leases at once', async () => {
    const tableName = uniqueTableName();
    const shards = flatShards(3);
    const a = worker(tableName, 'a', { failoverTimeMs: 20_000 });
    const b = worker(tableName, 'b', { failoverTimeMs: 20_000 });
    await a.sync(shards);
    await Promise.all(shards.map((s, i) => a.checkpoints.put(STREAM_ARN, s.shardId, cp(String(40 + i)))));
    expect(await b.sync(shards)).toHaveLength(1); // balancing: one from a, nothing more while a lives
    expect(await b.sync(shards)).toHaveLength(1);
    await a.sync(shards); // a notices the lease it lost
    const fromA = a.held();
    expect(fromA).toHaveLength(2);
    await a.release();
    expect(a.held()).toEqual([]);
    // At once: the first sync after the release takes them all (no failover time waited for).
    expect([...(await b.sync(shards))].sort()).toEqual(shards.map((s) => s.shardId));
    expect(await b.checkpoints.get(STREAM_ARN, shardId(1))).toEqual(cp('41'));
    await expectCode(a.checkpoints.put(STREAM_ARN, fromA[0] as string, cp('99')), 'LEASE_LOST');
  });

  it('release of some ids keeps the others', async () => {
    const tableName = uniqueTableName();
    const a = worker(tableName, 'a');
    await a.sync(flatShards(3));
    await a.release([shardId(0)]);
    expect(a.owns(shardId(0))).toBe(false);
    expect(a.held()).toEqual([shardId(1), shardId(2)]);
  });
});

describe('checkpoints', () => {
  it('writes and reads checkpoints with sub-sequence numbers; never backwards', async () => {
    const tableName = uniqueTableName();
    const a = worker(tableName, 'a');
    await a.sync(flatShards(1));
    const id = shardId(0);
    expect(await a.checkpoints.get(STREAM_ARN, id)).toBeUndefined();
    const big = '49649683864473953433843496278632352517587667908684677122';
    await a.checkpoints.put(STREAM_ARN, id, cp(big, 3, false));
    expect(await a.checkpoints.get(STREAM_ARN, id)).toEqual(cp(big, 3, false));
    await a.checkpoints.put(STREAM_ARN, id, cp(big, 3, false)); // same again is fine
    await a.checkpoints.put(STREAM_ARN, id, cp(big, 4, true));
    await expectCode(a.checkpoints.put(STREAM_ARN, id, cp(big, 3, false)), 'CHECKPOINT_BACKWARDS');
    await expectCode(a.checkpoints.put(STREAM_ARN, id, cp('9')), 'CHECKPOINT_BACKWARDS');
    expect(await a.checkpoints.get(STREAM_ARN, id)).toEqual(cp(big, 4, true));
    // a worker that takes the lease over can not go backwards either
    await a.release();
    const b = worker(tableName, 'b');
    await b.sync(flatShards(1));
    await expectCode(b.checkpoints.put(STREAM_ARN, id, cp('9')), 'CHECKPOINT_BACKWARDS');
  });

  it('refuses a backwards write in DynamoDB itself (condition on the stored order)', async () => {
    const tableName = uniqueTableName();
    const a = worker(tableName, 'a');
    await a.sync(flatShards(1));
    const table = new LeaseTable({ client, tableName });
    const [lease] = await table.list(STREAM_ARN);
    expect(await table.putCheckpoint(STREAM_ARN, shardId(0), 'a', lease!.counter, cp('1000'))).toBe(true);
    expect(await table.putCheckpoint(STREAM_ARN, shardId(0), 'a', lease!.counter, cp('999'))).toBe(false);
    expect(await table.putCheckpoint(STREAM_ARN, shardId(0), 'a', lease!.counter, cp('1000', 0, true))).toBe(true);
    expect(await table.putCheckpoint(STREAM_ARN, shardId(0), 'a', lease!.counter + 1, cp('2000'))).toBe(false);
    expect(await table.putCheckpoint(STREAM_ARN, shardId(0), 'b', lease!.counter, cp('2000'))).toBe(false);
  });

  it('a worker whose lease was taken gets LEASE_LOST and owns() turns false at once', async () => {
    const tableName = uniqueTableName();
    const shards = flatShards(2);
    const a = worker(tableName, 'a', { failoverTimeMs: 10_000 });
    await a.sync(shards);
    const b = worker(tableName, 'b', { failoverTimeMs: 10_000 });
    await b.sync(shards); // steals one of a's two leases
    const [stolen] = b.held();
    expect(stolen).toBeDefined();
    expect(a.owns(stolen as string)).toBe(true); // a has not noticed yet
    const error = await a.checkpoints.put(STREAM_ARN, stolen as string, cp('5')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointError);
    expect(error).toMatchObject({ code: 'LEASE_LOST' });
    expect((error as Error).message).toContain('now held by b');
    expect(a.owns(stolen as string)).toBe(false);
    await b.checkpoints.put(STREAM_ARN, stolen as string, cp('5'));
  });

  it('rejects a malformed checkpoint and a checkpoint of another stream', async () => {
    const tableName = uniqueTableName();
    const a = worker(tableName, 'a');
    await a.sync(flatShards(1));
    await expect(a.checkpoints.put(STREAM_ARN, shardId(0), cp('12x'))).rejects.toMatchObject({
      code: 'INVALID_CHECKPOINT',
    });
    await expectCode(a.checkpoints.put(`${STREAM_ARN}-other`, shardId(0), cp('1')), 'LEASE_LOST');
  });
});

describe('resharding', () => {
  it('takes a child lease only after its parents are finished', async () => {
    const tableName = uniqueTableName();
    const shards = [
      { shardId: 'parent-a', endingSequenceNumber: '100' },
      { shardId: 'parent-b', endingSequenceNumber: '200' },
      { shardId: 'child', parentShardId: 'parent-a', adjacentParentShardId: 'parent-b' },
      { shardId: 'orphan', parentShardId: 'trimmed-away' },
    ];
    const a = worker(tableName, 'a');
    expect([...(await a.sync(shards))].sort()).toEqual(['orphan', 'parent-a', 'parent-b']);
    expect(a.owns('child')).toBe(false);

    await a.markFinished('parent-a');
    expect(a.owns('parent-a')).toBe(false);
    expect([...(await a.sync(shards))].sort()).toEqual(['orphan', 'parent-b']); // child still waits for parent-b

    const b = worker(tableName, 'b');
    expect(await b.sync(shards)).not.toContain('child'); // b may balance one lease away, never the child
    await a.sync(shards);
    const parentB = [a, b].find((w) => w.owns('parent-b'));
    await parentB?.markFinished('parent-b');
    const [fromA, fromB] = await Promise.all([a.sync(shards), b.sync(shards)]);
    const childOwners = [fromA, fromB].filter((ids) => ids.includes('child'));
    expect(childOwners).toHaveLength(1);
    // finished leases are never taken again
    const c = worker(tableName, 'c');
    expect(await c.sync(shards)).not.toContain('parent-a');
    await expectCode(a.markFinished('parent-a'), 'LEASE_LOST');
    // a finished shard reads as the shard-end checkpoint
    expect(isShardEnd(await c.checkpoints.get(STREAM_ARN, 'parent-a'))).toBe(true);
  });

  it('deletes the leases of finished shards once the stream no longer lists them, and only those', async () => {
    const tableName = uniqueTableName();
    const shards = [
      { shardId: 'parent', endingSequenceNumber: '100' },
      { shardId: 'child', parentShardId: 'parent' },
      { shardId: 'other' },
    ];
    const a = worker(tableName, 'a');
    await a.sync(shards);
    await a.markFinished('parent');
    expect(await a.sync(shards)).toContain('child');
    const table = new LeaseTable({ client, tableName });
    const ids = async () => (await table.list(STREAM_ARN)).map((lease) => lease.shardId).sort();

    // Still listed (closed, within the retention period): the finished lease stays.
    expect(await ids()).toEqual(['child', 'other', 'parent']);
    // Trimmed: 'parent' and 'other' are gone from the listing. The finished lease goes; the
    // unfinished one (held by a) stays; the child is still read (an unlisted parent counts as finished).
    expect(await a.sync([{ shardId: 'child', parentShardId: 'parent' }])).toEqual(['child']);
    expect(await ids()).toEqual(['child', 'other']);
    // An empty listing deletes nothing.
    await a.release();
    await a.sync([]);
    expect(await ids()).toEqual(['child', 'other']);
  });
});

// A finished shard as the KCL records it: finish writes checkpoint SHARD_END (the KCL's sentinel in
// checkpointSequenceNumber) beside the finished flag, and a lease at SHARD_END reads as finished
// whoever wrote it: never taken again, its children may start, deleted once trimmed.

async function item(tableName: string, shardId: string): Promise<Record<string, AttributeValue>> {
  const out = await client.send(
    new GetItemCommand({ TableName: tableName, Key: { streamArn: { S: STREAM_ARN }, shardId: { S: shardId } } }),
  );
  return out.Item ?? {};
}

/** A lease item as the KCL leaves a shard read to its end: checkpoint SHARD_END, no owner, no `finished`. */
async function kclShardEnd(tableName: string, shardId: string, parents: readonly string[] = []): Promise<void> {
  await client.send(
    new PutItemCommand({
      TableName: tableName,
      Item: {
        streamArn: { S: STREAM_ARN },
        shardId: { S: shardId },
        leaseCounter: { N: '7' },
        checkpointSequenceNumber: { S: 'SHARD_END' },
        checkpointSubSequenceNumber: { N: '0' },
        parentShardIds: { L: parents.map((id) => ({ S: id })) },
      },
    }),
  );
}

const SEQ = '49649683864473953433843496278632352517587667908684677122';
const PARENT: ShardDescriptor = { shardId: 'parent', endingSequenceNumber: '100' };
const CHILD: ShardDescriptor = { shardId: 'child', parentShardId: 'parent' };

describe('LeaseTable.finish writes checkpoint SHARD_END', () => {
  it('replaces the last position by SHARD_END (KCL name, sub-sequence 0, the order key after every record)', async () => {
    const tableName = uniqueTableName('shard-end');
    const a = worker(tableName, 'a');
    expect(await a.sync([PARENT, CHILD])).toEqual(['parent']);
    await a.checkpoints.put(STREAM_ARN, 'parent', { sequenceNumber: SEQ, subSequenceNumber: 2, complete: false });
    await a.markFinished('parent');

    const stored = await item(tableName, 'parent');
    expect(stored).toMatchObject({
      finished: { BOOL: true },
      checkpointSequenceNumber: { S: 'SHARD_END' },
      checkpointSubSequenceNumber: { N: '0' },
      checkpointOrder: { S: '~SHARD_END' },
    });
    // The position's own attributes and the owner are gone.
    expect(stored.checkpointComplete).toBeUndefined();
    expect(stored.checkpointTimestamp).toBeUndefined();
    expect(stored.leaseOwner).toBeUndefined();
    const lease = (await new LeaseTable({ client, tableName }).get(STREAM_ARN, 'parent'))!;
    expect(lease).toMatchObject({ finished: true, owner: undefined, checkpoint: { kind: 'SHARD_END' } });
  });

  it('writes SHARD_END on a lease that never had a checkpoint (a shard closed before its first record)', async () => {
    const tableName = uniqueTableName('shard-end-empty');
    const a = worker(tableName, 'a');
    await a.sync([PARENT]);
    await a.markFinished('parent');
    expect(await item(tableName, 'parent')).toMatchObject({
      checkpointSequenceNumber: { S: 'SHARD_END' },
      checkpointOrder: { S: '~SHARD_END' },
    });
  });
});

describe('a lease at SHARD_END without the finished flag (written by the KCL) reads as finished', () => {
  it('lets its children start, and is never taken itself', async () => {
    const tableName = uniqueTableName('kcl-end');
    const a = worker(tableName, 'a');
    await a.start();
    await kclShardEnd(tableName, 'parent');
    expect(await a.sync([PARENT, CHILD])).toEqual(['child']);
    expect(a.owns('parent')).toBe(false);
    expect((await item(tableName, 'parent')).leaseOwner).toBeUndefined();
    // Its checkpoint reads as SHARD_END (the reader treats it as read to its end).
    expect(await a.checkpoints.get(STREAM_ARN, 'parent')).toEqual({ kind: 'SHARD_END' });
  });

  it('is refused by the take itself (the condition), not only by the planner', async () => {
    const tableName = uniqueTableName('kcl-take');
    await worker(tableName, 'a').start();
    await kclShardEnd(tableName, 'parent');
    const table = new LeaseTable({ client, tableName });
    const lease = (await table.get(STREAM_ARN, 'parent'))!;
    expect(await table.take({ ...lease, finished: false }, 'a')).toBeUndefined();
    expect((await item(tableName, 'parent')).leaseOwner).toBeUndefined();
  });

  it('is deleted once the stream no longer lists it, like a finished lease of streamshare', async () => {
    const tableName = uniqueTableName('kcl-gone');
    const a = worker(tableName, 'a');
    await a.start();
    await kclShardEnd(tableName, 'parent');
    expect(await a.sync([CHILD])).toEqual(['child']);
    const ids = (await new LeaseTable({ client, tableName }).list(STREAM_ARN)).map((lease) => lease.shardId);
    expect(ids).toEqual(['child']);
  });
});
