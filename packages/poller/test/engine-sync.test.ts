import { SplitShardCommand } from '@aws-sdk/client-kinesis';
import { MemoryCheckpointStore, type StreamRecord } from '@streamshare/core';
import {
  AccessDeniedError,
  createPoller,
  createPollerMetrics,
  type Poller,
  StartTimeoutError,
} from '@streamshare/poller';
import {
  dynamoDbClient,
  type FaultProxy,
  freePort,
  putRecords,
  startFaultProxy,
  waitForStreamActive,
} from '@streamshare/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import {
  consumerClient,
  kinesisEndpoint,
  memoryLogger,
  producerClient,
  producerStream,
  textPoller,
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
    const metrics = createPollerMetrics({ processMetrics: false });
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
      observer: metrics.observer,
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
    // Each failed sync is one retry of action shard-sync (the listing calls' own retries are counted apart).
    const syncFailures = lines.filter((l) => l.includes('shard sync failed')).length;
    const retried = /streamshare_retries_total\{action="shard-sync"\} (\d+)/.exec(await metrics.render());
    expect(Number(retried?.[1])).toBeGreaterThanOrEqual(syncFailures);
    expect(Number(retried?.[1])).toBeGreaterThan(0);
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

describe('start() is bounded', () => {
  it('an unreachable Kinesis endpoint: StartTimeoutError naming the endpoint, the region and the cause', async () => {
    const streamArn = await producerStream('engine-sync-unreachable', 1);
    const port = await freePort();
    const endpoint = `http://127.0.0.1:${port}`;
    const poller = createPoller({
      streamArn,
      handler: () => {},
      kinesisClient: consumerClient(endpoint),
      checkpointStore: new MemoryCheckpointStore(),
      startTimeoutMs: 1_500,
    });
    pollers.push(poller);
    const startedAt = Date.now();
    const error = await within(
      poller.start().then(
        () => undefined,
        (e: unknown) => e,
      ),
      15_000,
      'poller.start()',
    );
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(1_400);
    expect(error).toBeInstanceOf(StartTimeoutError);
    const timeout = error as StartTimeoutError;
    expect(timeout.code).toBe('START_TIMEOUT');
    expect(timeout.retryable).toBe(false);
    expect(timeout.endpoint).toBe(endpoint);
    expect(timeout.message).toContain(endpoint);
    expect(timeout.message).toContain('region us-east-1');
    expect(timeout.message).toContain('ECONNREFUSED');
    expect(timeout.message).toContain('startTimeoutMs');
    await expect(poller.done).rejects.toBe(error);
  });

  it('an unreachable lease table: StartTimeoutError saying so', async () => {
    const streamArn = await producerStream('engine-sync-nolease', 1);
    const port = await freePort();
    const poller = createPoller({
      streamArn,
      handler: () => {},
      kinesisClient: consumerClient(),
      leaseTable: { tableName: 'unreachable-leases', client: dynamoDbClient(`http://127.0.0.1:${port}`) },
      startTimeoutMs: 1_500,
    });
    pollers.push(poller);
    const error = await within(
      poller.start().then(
        () => undefined,
        (e: unknown) => e,
      ),
      15_000,
      'poller.start()',
    );
    expect(error).toBeInstanceOf(StartTimeoutError);
    expect((error as Error).message).toContain('lease table');
  });

  it('listing throttled or failing for a while at start: start() rides it out within the bound', async () => {
    const streamArn = await producerStream('engine-sync-slowstart', 1);
    await putRecords(producerClient(), streamArn, records('r', 2));
    proxy = await startFaultProxy({
      target: kinesisEndpoint(),
      rules: [
        { actions: 'DescribeStream', fault: 'limit-exceeded', count: 2 },
        { actions: 'DescribeStream', fault: 'internal-failure', count: 2 },
        { actions: 'DescribeStream', fault: 'drop', count: 1 },
      ],
    });
    const { poller, seen } = textPoller(streamArn, {
      kinesisClient: consumerClient(proxy.endpoint),
      startTimeoutMs: 20_000,
    });
    pollers.push(poller);
    await within(poller.start(), 20_000, 'poller.start()');
    await waitFor(() => seen.length >= 2, 'the records');
    expect(proxy.stats.injected['limit-exceeded'] + proxy.stats.injected['internal-failure']).toBe(4);
  });
});
