import { FatalError, MemoryCheckpointStore, type StreamRecord } from '@streamshare/core';
import { createPoller } from '@streamshare/poller';
import { putRecords } from '@streamshare/testkit';
import { describe, expect, it } from 'vitest';
import { collector, consumerClient, producerClient, producerStream, waitFor } from './helpers/engine-env.js';
import { aggregateRecords } from './helpers/kpl.js';

describe('KPL aggregates through the poller', () => {
  it('expands aggregates, and a partly done aggregate resumes at its first user record not done', async () => {
    const streamArn = await producerStream('engine-kpl', 1);
    const users = Array.from({ length: 10 }, (_, i) => ({ partitionKey: `u${i}`, data: `user-${i}` }));
    const [agg] = await aggregateRecords(users);
    expect(agg).toBeDefined();
    const [written] = await putRecords(producerClient(), streamArn, [
      { partitionKey: agg!.partitionKey, data: agg!.data },
      { partitionKey: 'plain', data: 'plain-after' },
    ]);
    const store = new MemoryCheckpointStore();

    // First run: user record 4 always fails (blocking policy): 0..3 are done, the shard is blocked.
    const first = collector((record) => {
      if (record.data === 'user-4') throw new FatalError('poison user record 4');
    });
    const blocked = createPoller({
      streamArn,
      handler: first.handler,
      kinesisClient: consumerClient(),
      checkpointStore: store,
      idleTimeBetweenReadsMs: 100,
      failureBackoff: { minMs: 100, maxMs: 200 },
    });
    await blocked.start();
    await waitFor(() => first.count() >= 4, 'user records 0..3');
    // Blocked: re-read from the checkpoint several times, never past user record 4.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await blocked.stop();
    expect(first.payloads()).toEqual(['user-0', 'user-1', 'user-2', 'user-3']);
    const shardId = written!.shardId;
    expect(await store.get(streamArn, shardId)).toEqual({
      sequenceNumber: written!.sequenceNumber,
      subSequenceNumber: 3,
      complete: false,
    });

    // Second run: resumes AT the aggregate and skips user records 0..3.
    const second = collector();
    const resumed = createPoller({
      streamArn,
      handler: second.handler,
      kinesisClient: consumerClient(),
      checkpointStore: store,
      idleTimeBetweenReadsMs: 100,
    });
    await resumed.start();
    await waitFor(() => second.count() >= 7, 'user records 4..9 and the plain record');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await resumed.stop();
    expect(second.payloads()).toEqual(['user-4', 'user-5', 'user-6', 'user-7', 'user-8', 'user-9', 'plain-after']);
    const [u4] = second.byShard.get(shardId)!;
    expect(u4).toMatchObject({ sequenceNumber: written!.sequenceNumber, subSequenceNumber: 4, partitionKey: 'u4' });
    const checkpoint = await store.get(streamArn, shardId);
    expect(checkpoint?.complete).toBe(true);
    expect(checkpoint?.sequenceNumber).not.toBe(written!.sequenceNumber);
  });

  it('with deaggregate: false, an aggregate is delivered whole, as it was put', async () => {
    const streamArn = await producerStream('engine-kpl-whole', 1);
    const users = Array.from({ length: 3 }, (_, i) => ({ partitionKey: `w${i}`, data: `whole-${i}` }));
    const [agg] = await aggregateRecords(users);
    const [written] = await putRecords(producerClient(), streamArn, [
      { partitionKey: agg!.partitionKey, data: agg!.data },
      { partitionKey: 'plain', data: 'plain-after' },
    ]);
    const seen: { sequenceNumber: string; subSequenceNumber?: number; data: Uint8Array }[] = [];
    const poller = createPoller({
      streamArn,
      handler: (record: StreamRecord<Uint8Array>) => {
        seen.push({
          sequenceNumber: record.sequenceNumber,
          subSequenceNumber: record.subSequenceNumber,
          data: record.data,
        });
      },
      codec: 'bytes',
      deaggregate: false,
      kinesisClient: consumerClient(),
      checkpointStore: new MemoryCheckpointStore(),
      idleTimeBetweenReadsMs: 100,
    });
    await poller.start();
    await waitFor(() => seen.length >= 2, 'the aggregate and the plain record');
    await poller.stop();
    expect(seen).toHaveLength(2);
    expect(seen[0]!.sequenceNumber).toBe(written!.sequenceNumber);
    expect(seen[0]!.subSequenceNumber).toBeUndefined();
    expect(Buffer.from(seen[0]!.data).equals(Buffer.from(agg!.data))).toBe(true);
    expect(Buffer.from(seen[1]!.data).toString()).toBe('plain-after');
  });
});
