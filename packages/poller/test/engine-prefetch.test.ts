import { type Checkpoint, CheckpointError, MemoryCheckpointStore } from '@streamshare/core';
import { createPoller } from '@streamshare/poller';
import { putRecords } from '@streamshare/testkit';
import { describe, expect, it } from 'vitest';
import {
  collector,
  consumerClient,
  memoryLogger,
  producerClient,
  producerStream,
  waitFor,
} from './helpers/engine-env.js';

/** A memory store whose puts wait until the test lets them through (or fail as the test says). */
class GatedStore extends MemoryCheckpointStore {
  readonly puts: Checkpoint[] = [];
  #release: (() => void) | undefined;
  #gate: Promise<void> | undefined;
  failWith: Error | undefined;

  hold(): void {
    this.#gate = new Promise((resolve) => {
      this.#release = resolve;
    });
  }

  release(): void {
    this.#release?.();
    this.#gate = undefined;
  }

  override async put(streamArn: string, shardId: string, checkpoint: Checkpoint): Promise<void> {
    this.puts.push(checkpoint);
    await this.#gate;
    if (this.failWith) throw this.failWith;
    return super.put(streamArn, shardId, checkpoint);
  }
}

async function oneShardStream(prefix: string, count: number): Promise<string> {
  const streamArn = await producerStream(prefix, 1);
  await putRecords(
    producerClient(),
    streamArn,
    Array.from({ length: count }, (_, i) => ({ data: JSON.stringify({ n: i }), partitionKey: `k${i}` })),
  );
  return streamArn;
}

describe('the next page is fetched while the checkpoint is written', () => {
  it('asks for it during the write and delivers it only once the write succeeded', async () => {
    const streamArn = await oneShardStream('engine-prefetch', 15);
    const store = new GatedStore();
    store.hold();
    const seen = collector();
    let getRecords = 0;
    const poller = createPoller({
      streamArn,
      handler: seen.handler,
      kinesisClient: consumerClient(),
      checkpointStore: store,
      maxRecordsPerCall: 5,
      idleTimeBetweenReadsMs: 100,
      logger: memoryLogger().logger,
      observer: { onGetRecords: () => getRecords++ },
    });
    await poller.start();
    try {
      // The first batch is done and its checkpoint write is held: the second page is asked for meanwhile ...
      await waitFor(() => store.puts.length === 1 && getRecords >= 2, 'second GetRecords during the first write');
      // ... but not delivered, and nothing more is asked for (one page waits).
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(seen.count()).toBe(5);
      expect(getRecords).toBe(2);
      expect(store.puts).toHaveLength(1);
      store.release();
      await waitFor(() => seen.count() >= 15, '15 records');
      expect(seen.payloads().map((p) => JSON.parse(p).n)).toEqual(Array.from({ length: 15 }, (_, i) => i));
    } finally {
      store.release();
      await poller.stop();
    }
    const [shardId] = [...seen.byShard.keys()];
    expect((await store.get(streamArn, shardId!))?.sequenceNumber).toBe(
      seen.byShard.get(shardId!)!.at(-1)!.sequenceNumber,
    );
  });

  it('drops the page asked for when the write finds the lease lost', async () => {
    const streamArn = await oneShardStream('engine-prefetch-lost', 15);
    const store = new GatedStore();
    store.hold();
    store.failWith = new CheckpointError('LEASE_LOST', 'another worker holds the lease');
    const seen = collector();
    let getRecords = 0;
    const stopped: string[] = [];
    const poller = createPoller({
      streamArn,
      handler: seen.handler,
      kinesisClient: consumerClient(),
      checkpointStore: store,
      maxRecordsPerCall: 5,
      idleTimeBetweenReadsMs: 100,
      logger: memoryLogger().logger,
      observer: { onGetRecords: () => getRecords++, onShardStopped: (_shard, reason) => stopped.push(reason) },
    });
    await poller.start();
    try {
      await waitFor(() => store.puts.length === 1 && getRecords >= 2, 'second GetRecords during the first write');
      store.release();
      await waitFor(() => stopped.length === 1, 'the reader to stop');
      expect(stopped).toEqual(['lost']);
      // The second page was fetched but never delivered; no checkpoint was written.
      expect(seen.count()).toBe(5);
      expect(store.puts).toHaveLength(1);
      const [shardId] = [...seen.byShard.keys()];
      expect(await store.get(streamArn, shardId!)).toBeUndefined();
    } finally {
      store.release();
      await poller.stop();
    }
  });
});
