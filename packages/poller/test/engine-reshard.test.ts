import { ListShardsCommand, MergeShardsCommand, SplitShardCommand } from '@aws-sdk/client-kinesis';
import { MemoryCheckpointStore, type StreamRecord } from '@streamshare/core';
import { compareSequenceNumbers } from '@streamshare/core/internal';
import { createPoller } from '@streamshare/poller';
import { putRecords, waitForStreamActive } from '@streamshare/testkit';
import { describe, expect, it } from 'vitest';
import { SHARD_END_CHECKPOINT } from '../src/coordination/local-coordinator.js';
import { consumerClient, producerClient, producerStream, waitFor } from './helpers/engine-env.js';

describe('resharding during consumption', () => {
  it('splits and merges: every record delivered, parents finished before their children start', async () => {
    const producer = producerClient();
    const streamArn = await producerStream('engine-reshard', 1);
    const batch = (tag: string) =>
      Array.from({ length: 20 }, (_, i) => ({ data: `${tag}-${i}`, partitionKey: `key-${i}` }));

    // Handler calls, in the order they happened.
    const calls: { shardId: string; data: string; sequenceNumber: string }[] = [];
    const finishedAt = new Map<string, number>();
    const store = new MemoryCheckpointStore();
    const poller = createPoller({
      streamArn,
      handler: (record: StreamRecord<unknown>) => {
        calls.push({ shardId: record.shardId, data: String(record.data), sequenceNumber: record.sequenceNumber });
      },
      codec: 'text',
      kinesisClient: consumerClient(),
      checkpointStore: store,
      idleTimeBetweenReadsMs: 100,
      shardSyncIntervalMs: 300,
      observer: {
        onShardStopped: (shardId, reason) => {
          if (reason === 'finished') finishedAt.set(shardId, calls.length);
        },
      },
    });
    await putRecords(producer, streamArn, batch('parent'));
    await poller.start();
    await waitFor(() => calls.length >= 10, 'some parent records');

    await producer.send(
      new SplitShardCommand({
        StreamARN: streamArn,
        ShardToSplit: 'shardId-000000000000',
        NewStartingHashKey: (2n ** 127n).toString(),
      }),
    );
    await waitForStreamActive(producer, streamArn);
    await putRecords(producer, streamArn, batch('split'));
    await waitFor(() => calls.length >= 30, 'records of the split children');

    await producer.send(
      new MergeShardsCommand({
        StreamARN: streamArn,
        ShardToMerge: 'shardId-000000000001',
        AdjacentShardToMerge: 'shardId-000000000002',
      }),
    );
    await waitForStreamActive(producer, streamArn);
    await putRecords(producer, streamArn, batch('merged'));
    await waitFor(() => calls.length >= 60, 'all 60 records', 45_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await poller.stop();

    const data = calls.map((c) => c.data).sort();
    expect(data).toEqual([...batch('parent'), ...batch('split'), ...batch('merged')].map((r) => r.data).sort());
    // Each shard in order.
    const byShard = new Map<string, typeof calls>();
    for (const call of calls) byShard.set(call.shardId, [...(byShard.get(call.shardId) ?? []), call]);
    for (const list of byShard.values()) {
      for (let i = 1; i < list.length; i++) {
        expect(compareSequenceNumbers(list[i - 1]!.sequenceNumber, list[i]!.sequenceNumber)).toBeLessThan(0);
      }
    }
    // Parents (0; then 1 and 2) were finished before any record of their children was handled.
    const { Shards = [] } = await consumerClient().send(new ListShardsCommand({ StreamARN: streamArn }));
    expect(Shards.map((s) => s.ShardId)).toEqual([
      'shardId-000000000000',
      'shardId-000000000001',
      'shardId-000000000002',
      'shardId-000000000003',
    ]);
    const firstCallOf = (shardId: string) => calls.findIndex((c) => c.shardId === shardId);
    for (const shard of Shards) {
      for (const parent of [shard.ParentShardId, shard.AdjacentParentShardId]) {
        if (!parent) continue;
        expect([parent, finishedAt.has(parent)]).toEqual([parent, true]);
        const childStart = firstCallOf(shard.ShardId!);
        if (childStart >= 0) expect(finishedAt.get(parent)!).toBeLessThanOrEqual(childStart);
      }
    }
    // The parents' checkpoints are the shard-end marker.
    for (const parent of Shards.slice(0, 3)) {
      expect(await store.get(streamArn, parent.ShardId!)).toEqual(SHARD_END_CHECKPOINT);
    }
    expect(byShard.get('shardId-000000000003')?.length).toBe(20);

    // A restart with the same checkpoints reads no parent again: only the new records of shard 3.
    const again: string[] = [];
    const started: string[] = [];
    const restarted = createPoller({
      streamArn,
      handler: (record: StreamRecord<unknown>) => {
        again.push(`${record.shardId}:${String(record.data)}`);
      },
      codec: 'text',
      kinesisClient: consumerClient(),
      checkpointStore: store,
      idleTimeBetweenReadsMs: 100,
      observer: { onShardStarted: (shardId) => started.push(shardId) },
    });
    await restarted.start();
    await putRecords(producer, streamArn, [{ data: 'late', partitionKey: 'x' }]);
    await waitFor(() => again.length >= 1, 'the late record');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await restarted.stop();
    expect(again).toEqual(['shardId-000000000003:late']);
    expect(started).toEqual(['shardId-000000000003']);
  });
});
