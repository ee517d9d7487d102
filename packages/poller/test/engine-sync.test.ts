import { SplitShardCommand } from '@aws-sdk/client-kinesis';
import { MemoryCheckpointStore, type StreamRecord } from '@streamshare/core';
import { AccessDeniedError, createPoller, type Poller } from '@streamshare/poller';
import { type FaultProxy, putRecords, startFaultProxy, waitForStreamActive } from '@streamshare/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import {
  consumerClient,
  kinesisEndpoint,
  memoryLogger,
  producerClient,
  producerStream,
  waitFor,
} from './helpers/engine-env.js';

let proxy: FaultProxy | undefined;
const pollers: Poller[] = [];
afterEach(async () => {
  await Promise.all(pollers.splice(0).map((p) => p.stop().catch(() => {})));
  await proxy?.stop();
  proxy = undefined;
});

const LISTING = ['DescribeStream', 'ListShards'];

function records(tag: string, count: number) {
  return Array.from({ length: count }, (_, i) => ({ data: `${tag}-${i}`, partitionKey: `${tag}-key-${i}` }));
}

/** Settles `promise` or fails after `ms` (start() must not hang). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

describe('periodic shard sync failures', () => {
  it('listing throttled and failing with 500s: the poller goes on with the shards last listed', async () => {
    const streamArn = await producerStream('engine-sync-outage', 1);
    const parent = records('parent', 3);
    await putRecords(producerClient(), streamArn, parent);
    proxy = await startFaultProxy({ target: kinesisEndpoint(), rules: [] });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let holding = false;
    const seen: string[] = [];
    const { logger, lines } = memoryLogger();
    const poller = createPoller({
      streamArn,
      handler: async (record: StreamRecord<unknown>) => {
        if (record.data === 'parent-0') {
          holding = true;
          await gate;
        }
        seen.push(String(record.data));
      },
      codec: 'text',
      kinesisClient: consumerClient(proxy.endpoint),
      checkpointStore: new MemoryCheckpointStore(),
      idleTimeBetweenReadsMs: 50,
      shardSyncIntervalMs: 200,
      logger,
    });
    pollers.push(poller);
    await poller.start();
    await waitFor(() => holding, 'the first record in hand');

    // The parent is split while its first batch is in hand; the children are listed once.
    const producer = producerClient();
    await producer.send(
      new SplitShardCommand({
        StreamARN: streamArn,
        ShardToSplit: 'shardId-000000000000',
        NewStartingHashKey: (2n ** 127n).toString(),
      }),
    );
    await waitForStreamActive(producer, streamArn);
    const child = records('child', 6);
    await putRecords(producer, streamArn, child);
    const listed = proxy.stats.byAction.DescribeStream?.requests ?? 0;
    await waitFor(
      () => (proxy?.stats.byAction.DescribeStream?.requests ?? 0) >= listed + 2,
      'a listing after the split',
    );

    // From now on every listing call is throttled or fails; the parent finishes meanwhile.
    proxy.setRules([
      { actions: LISTING, fault: 'internal-failure', probability: 0.5 },
      { actions: LISTING, fault: 'limit-exceeded' },
    ]);
    release();
    await waitFor(() => seen.length >= 9, 'the children records while listing fails', 30_000);
    expect(seen.slice(0, 3)).toEqual(parent.map((r) => r.data));
    expect(seen.slice(3).sort()).toEqual(child.map((r) => r.data).sort());
    expect(poller.status().running).toBe(true);
    await waitFor(() => lines.some((l) => l.includes('shard sync failed')), 'the sync failure in the log');
    expect(proxy.stats.injected['internal-failure'] + proxy.stats.injected['limit-exceeded']).toBeGreaterThan(0);

    // The listing comes back: nothing was stopped.
    proxy.setRules([]);
    const late = records('late', 2);
    await putRecords(producer, streamArn, late);
    await waitFor(() => seen.length >= 11, 'records after the listing came back');
    expect(poller.status().running).toBe(true);
  });

  it('AccessDenied on both DescribeStream and ListShards during a poll stops the poller with that error', async () => {
    const streamArn = await producerStream('engine-sync-denied', 1);
    proxy = await startFaultProxy({ target: kinesisEndpoint(), rules: [] });
    const poller = createPoller({
      streamArn,
      handler: () => {},
      kinesisClient: consumerClient(proxy.endpoint),
      checkpointStore: new MemoryCheckpointStore(),
      idleTimeBetweenReadsMs: 50,
      shardSyncIntervalMs: 200,
    });
    pollers.push(poller);
    await poller.start();
    proxy.setRules([{ actions: LISTING, fault: 'access-denied' }]);
    const error = await within(
      poller.done.then(
        () => undefined,
        (e: unknown) => e,
      ),
      20_000,
      'poller.done',
    );
    expect(error).toBeInstanceOf(AccessDeniedError);
    expect((error as AccessDeniedError).action).toBe('kinesis:ListShards');
    expect((error as Error).message).toContain(streamArn);
  });
});
