import { SplitShardCommand } from '@aws-sdk/client-kinesis';
import { MemoryCheckpointStore } from '@streamshare/core';
import { compareCheckpoints } from '@streamshare/core/internal';
import { createPoller, type Poller, type ShardDescriptor } from '@streamshare/poller';
import {
  type Dynalite,
  dynamoDbClient,
  type FaultProxy,
  putRecords,
  startDynalite,
  startFaultProxy,
  waitForStreamActive,
} from '@streamshare/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { ancestorsOf, startingPositionOf, unreadUnderLatest } from '../src/coordination/lineage.js';
import { isShardEnd } from '../src/coordination/local-coordinator.js';
import { startMarker, startMarkerTime } from '../src/coordination/start-marker.js';
import { checkpointOrderKey } from '../src/leases/checkpoint-order.js';
import {
  consumerClient,
  kinesisEndpoint,
  producerClient,
  producerStream,
  textPoller,
  waitFor,
} from './helpers/engine-env.js';

const SHARD_0 = 'shardId-000000000000';
const HALF = (2n ** 127n).toString();

let proxy: FaultProxy | undefined;
let dynalite: Dynalite | undefined;
const pollers: Poller[] = [];
afterEach(async () => {
  await Promise.all(pollers.splice(0).map((p) => p.stop().catch(() => {})));
  await proxy?.stop();
  proxy = undefined;
  await dynalite?.stop();
  dynalite = undefined;
});

function records(tag: string, count: number) {
  return Array.from({ length: count }, (_, i) => ({ data: `${tag}-${i}`, partitionKey: `${tag}-key-${i}` }));
}

async function split(streamArn: string, shardId = SHARD_0): Promise<void> {
  const producer = producerClient();
  await producer.send(new SplitShardCommand({ StreamARN: streamArn, ShardToSplit: shardId, NewStartingHashKey: HALF }));
  await waitForStreamActive(producer, streamArn);
}

/** Resolves once every shard reader of `poller` polled at least once (its first iterator is in hand). */
async function polled(poller: Poller, shards: number): Promise<void> {
  await waitFor(() => poller.status().shards.filter((s) => s.lastPollAt).length >= shards, `${shards} shard(s) polled`);
}

describe('the starting-position rule (pure)', () => {
  // 0 split into 1 and 2 (closed); 1 and 2 merged into 3 (open); 4 is a root (open); 9 was trimmed,
  // 5 is its child (closed) and 6 the child of 5 (open).
  const shards: ShardDescriptor[] = [
    { shardId: 's0', endingSequenceNumber: '10' },
    { shardId: 's1', parentShardId: 's0', endingSequenceNumber: '20' },
    { shardId: 's2', parentShardId: 's0', endingSequenceNumber: '20' },
    { shardId: 's3', parentShardId: 's1', adjacentParentShardId: 's2' },
    { shardId: 's4' },
    { shardId: 's5', parentShardId: 's9', endingSequenceNumber: '30' },
    { shardId: 's6', parentShardId: 's5' },
  ];
  const byId = new Map(shards.map((s) => [s.shardId, s]));
  const tracked =
    (...ids: string[]) =>
    (id: string) =>
      ids.includes(id);

  it('ancestors: listed ones transitively, trimmed parents by id', () => {
    expect(ancestorsOf('s3', byId).sort()).toEqual(['s0', 's1', 's2']);
    expect(ancestorsOf('s6', byId)).toEqual(['s5', 's9']);
    expect(ancestorsOf('s4', byId)).toEqual([]);
  });

  it('LATEST: a descendant of a consumed shard starts at TRIM_HORIZON, an open leaf at LATEST', () => {
    expect(startingPositionOf('s3', byId, 'LATEST', tracked())).toBe('LATEST');
    expect(startingPositionOf('s3', byId, 'LATEST', tracked('s0'))).toBe('TRIM_HORIZON');
    expect(startingPositionOf('s3', byId, 'LATEST', tracked('s2'))).toBe('TRIM_HORIZON');
    // A trimmed parent's checkpoint still counts.
    expect(startingPositionOf('s6', byId, 'LATEST', tracked('s9'))).toBe('TRIM_HORIZON');
    expect(startingPositionOf('s4', byId, 'LATEST', tracked('s0', 's1', 's2', 's3'))).toBe('LATEST');
  });

  it('TRIM_HORIZON and AT_TIMESTAMP apply to every shard of the lineage', () => {
    const at = { timestamp: new Date('2024-02-28T06:00:00Z') };
    expect(startingPositionOf('s3', byId, 'TRIM_HORIZON', tracked('s0'))).toBe('TRIM_HORIZON');
    expect(startingPositionOf('s3', byId, at, tracked('s0'))).toBe(at);
    expect(unreadUnderLatest(shards, 'TRIM_HORIZON', tracked()).size).toBe(0);
    expect(unreadUnderLatest(shards, at, tracked()).size).toBe(0);
  });

  it('LATEST leaves unread the closed shards with no checkpoint and no consumed ancestor', () => {
    expect([...unreadUnderLatest(shards, 'LATEST', tracked())].sort()).toEqual(['s0', 's1', 's2', 's5']);
    expect([...unreadUnderLatest(shards, 'LATEST', tracked('s0'))]).toEqual(['s5']);
    expect([...unreadUnderLatest(shards, 'LATEST', tracked('s1', 's9'))]).toEqual(['s0', 's2']);
  });
});

describe('the start marker checkpoint (pure)', () => {
  it('keeps the time, is before every real checkpoint in every store order, and is not a shard end', () => {
    const since = new Date('2024-02-28T06:15:11.667Z');
    const marker = startMarker(since);
    expect(startMarkerTime(marker)).toEqual(since);
    const real = {
      sequenceNumber: '49649683864473953433843496278632352517587667908684677122',
      subSequenceNumber: 0,
      complete: true,
    };
    expect(startMarkerTime(real)).toBeUndefined();
    expect(startMarkerTime({ ...real, complete: false, subSequenceNumber: 3 })).toBeUndefined();
    expect(startMarkerTime(undefined)).toBeUndefined();
    expect(compareCheckpoints(marker, real)).toBeLessThan(0);
    expect(checkpointOrderKey(marker) < checkpointOrderKey(real)).toBe(true);
    expect(isShardEnd(marker)).toBe(false);
  });
});

describe('starting position and shard lineage', () => {
  it('LATEST: children of a shard split during consumption start at TRIM_HORIZON (nothing skipped)', async () => {
    const streamArn = await producerStream('engine-lineage-live', 1);
    proxy = await startFaultProxy({ target: kinesisEndpoint(), rules: [] });
    const started: string[] = [];
    const { poller, seen } = textPoller(streamArn, {
      kinesisClient: consumerClient(proxy.endpoint),
      startingPosition: 'LATEST',
      shardSyncIntervalMs: 200,
      observer: { onShardStarted: (shardId) => started.push(shardId) },
    });
    pollers.push(poller);
    await poller.start();
    await polled(poller, 1);
    await putRecords(producerClient(), streamArn, records('parent', 3));
    await waitFor(() => seen.length >= 3, 'the parent records');

    // Children's iterators are obtained late (as when the poller is busy): the records written to them
    // in the meantime must not be skipped.
    proxy.setRules([{ actions: 'GetShardIterator', fault: 'delay', delayMs: 3_000 }]);
    await split(streamArn);
    const child = records('child', 12);
    await putRecords(producerClient(), streamArn, child);
    proxy.setRules([]);
    await waitFor(() => seen.length >= 15, 'the records written to the children', 30_000);
    expect(seen.slice(3).sort()).toEqual(child.map((r) => r.data).sort());
    expect(started.slice(0, 1)).toEqual([SHARD_0]);
    expect(new Set(started).size).toBe(3);
  });

  it('LATEST: a restart after a reshard delivers what was written while stopped (no checkpoint yet)', async () => {
    const streamArn = await producerStream('engine-lineage-restart', 1);
    const store = new MemoryCheckpointStore();
    const first = createPoller({
      streamArn,
      handler: () => {
        throw new Error('no record expected in the first run');
      },
      kinesisClient: consumerClient(),
      checkpointStore: store,
      startingPosition: 'LATEST',
      idleTimeBetweenReadsMs: 50,
    });
    pollers.push(first);
    await first.start();
    await polled(first, 1);
    await first.stop();

    // While stopped: records to the open shard, a split, records to the children.
    const gap = records('gap', 4);
    await putRecords(producerClient(), streamArn, gap);
    await split(streamArn);
    const child = records('child', 8);
    await putRecords(producerClient(), streamArn, child);

    const { poller: second, seen } = textPoller(streamArn, {
      checkpointStore: store,
      startingPosition: 'LATEST',
      shardSyncIntervalMs: 200,
    });
    pollers.push(second);
    await second.start();
    await waitFor(() => seen.length >= 12, 'the 12 records written while stopped', 30_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(seen.slice(0, 4)).toEqual(gap.map((r) => r.data));
    expect(seen.slice(4).sort()).toEqual(child.map((r) => r.data).sort());
    expect(seen).toHaveLength(12);
  });

  it('LATEST at first start: only the open leaves are read, at LATEST; closed ancestors are not read', async () => {
    const streamArn = await producerStream('engine-lineage-leaves', 1);
    await putRecords(producerClient(), streamArn, records('old', 3));
    await split(streamArn);
    await putRecords(producerClient(), streamArn, records('old-child', 4));

    const started: string[] = [];
    const store = new MemoryCheckpointStore();
    const { poller, seen } = textPoller(streamArn, {
      checkpointStore: store,
      startingPosition: 'LATEST',
      observer: { onShardStarted: (shardId) => started.push(shardId) },
    });
    pollers.push(poller);
    await poller.start();
    await polled(poller, 2);
    const fresh = records('new', 6);
    await putRecords(producerClient(), streamArn, fresh);
    await waitFor(() => seen.length >= 6, 'the records written after start');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(seen.sort()).toEqual(fresh.map((r) => r.data).sort());
    expect(started.sort()).toEqual(['shardId-000000000001', 'shardId-000000000002']);
    expect(await store.get(streamArn, SHARD_0)).toBeUndefined();
  });

  it('TRIM_HORIZON at first start: the whole lineage is read, parents first', async () => {
    const streamArn = await producerStream('engine-lineage-th', 1);
    const old = records('old', 3);
    await putRecords(producerClient(), streamArn, old);
    await split(streamArn);
    const child = records('child', 4);
    await putRecords(producerClient(), streamArn, child);
    const { poller, seen } = textPoller(streamArn);
    pollers.push(poller);
    await poller.start();
    await waitFor(() => seen.length >= 7, 'all 7 records');
    expect(seen.slice(0, 3)).toEqual(old.map((r) => r.data));
    expect(seen.slice(3).sort()).toEqual(child.map((r) => r.data).sort());
  });

  it('LATEST: an iterator that expires before the first checkpoint is re-created at the start time', async () => {
    const streamArn = await producerStream('engine-lineage-expired', 1);
    proxy = await startFaultProxy({ target: kinesisEndpoint(), rules: [] });
    const { poller, seen } = textPoller(streamArn, {
      kinesisClient: consumerClient(proxy.endpoint),
      startingPosition: 'LATEST',
    });
    pollers.push(poller);
    await poller.start();
    await polled(poller, 1);
    // Every GetRecords now says the iterator expired; records arrive meanwhile; fresh iterators are
    // taken after they arrived.
    proxy.setRules([{ actions: 'GetRecords', fault: 'expired-iterator' }]);
    await waitFor(() => (proxy?.stats.injected['expired-iterator'] ?? 0) >= 1, 'an expired iterator');
    const written = records('during', 5);
    await putRecords(producerClient(), streamArn, written);
    const iterators = proxy.stats.byAction.GetShardIterator?.requests ?? 0;
    await waitFor(
      () => (proxy?.stats.byAction.GetShardIterator?.requests ?? 0) >= iterators + 2,
      'fresh iterators after the records were written',
    );
    proxy.setRules([]);
    await waitFor(() => seen.length >= 5, 'the records written while the iterator was expired', 20_000);
    expect(seen).toEqual(written.map((r) => r.data));
  });

  it('LATEST with a lease table: the start marker lives in the lease, a restart delivers the gap', async () => {
    const streamArn = await producerStream('engine-lineage-lease', 1);
    dynalite = await startDynalite();
    const leaseTable = {
      tableName: 'lineage-leases',
      client: dynamoDbClient(dynalite.endpoint),
      failoverTimeMs: 3_000,
    };
    const first = createPoller({
      streamArn,
      handler: () => {
        throw new Error('no record expected in the first run');
      },
      kinesisClient: consumerClient(),
      leaseTable,
      startingPosition: 'LATEST',
      idleTimeBetweenReadsMs: 50,
    });
    pollers.push(first);
    await first.start();
    await polled(first, 1);
    await first.stop();

    const gap = records('gap', 5);
    await putRecords(producerClient(), streamArn, gap);
    const { poller: second, seen } = textPoller(streamArn, {
      leaseTable,
      startingPosition: 'LATEST',
    });
    pollers.push(second);
    await second.start();
    await waitFor(() => seen.length >= 5, 'the records written between the runs');
    expect(seen).toEqual(gap.map((r) => r.data));
  });
});
