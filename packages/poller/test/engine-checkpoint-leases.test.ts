/**
 * Checkpoint store failures inside a shard reader with a DynamoDB lease table: dynalite behind a
 * loopback proxy that answers chosen operations with DynamoDB throttling errors (the real wire format),
 * kinesis-mock for the stream (globalSetup).
 */
import { type DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { StreamRecord } from '@streamshare/core';
import { createPoller, type Poller } from '@streamshare/poller';
import { putRecords } from '@streamshare/testkit';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ATTR, leaseKey } from '../src/leases/lease.js';
import { LeaseTable } from '../src/leases/lease-table.js';
import {
  consumerClient,
  producerStream as createProducerStream,
  deleteProducerStream,
  memoryLogger,
  producerClient,
  waitFor,
} from './helpers/engine-env.js';
import {
  dynamoClient,
  type FaultProxy,
  type LocalDynamo,
  sleep,
  startFaultProxy,
  startLocalDynamo,
  uniqueTableName,
} from './leases-support.js';

const SHARD = 'shardId-000000000000';
let dynamo: LocalDynamo;
let proxy: FaultProxy;
let viaProxy: DynamoDBClient;
let direct: DynamoDBClient;
const pollers: Poller[] = [];
/** Streams of this file, deleted after each test (kinesis-mock's shard limit is shared by the project). */
const streams: string[] = [];
async function producerStream(prefix: string, shards: number): Promise<string> {
  const arn = await createProducerStream(prefix, shards);
  streams.push(arn);
  return arn;
}

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  proxy = await startFaultProxy(dynamo.endpoint);
  viaProxy = dynamoClient(proxy.endpoint);
  direct = dynamoClient(dynamo.endpoint);
});

beforeEach(() => {
  proxy.faults.splice(0);
  proxy.injected.clear();
});

afterEach(async () => {
  proxy.faults.splice(0);
  await Promise.all(pollers.splice(0).map((p) => p.stop().catch(() => {})));
  await Promise.all(streams.splice(0).map((arn) => deleteProducerStream(arn)));
});

afterAll(async () => {
  viaProxy.destroy();
  direct.destroy();
  await proxy.close();
  await dynamo.close();
});

function records(tag: string, count: number) {
  return Array.from({ length: count }, (_, i) => ({ data: `${tag}-${i}`, partitionKey: `${tag}-key-${i}` }));
}

function outcome(poller: Poller): { error: unknown; settled: boolean } {
  const state = { error: undefined as unknown, settled: false };
  poller.done.then(
    () => {
      state.settled = true;
    },
    (error: unknown) => {
      state.settled = true;
      state.error = error;
    },
  );
  return state;
}

function errorLines(lines: string[]): string[] {
  return lines.filter((line) => (JSON.parse(line) as { level: number }).level >= 50);
}

function throttle(operation: string, tableName: string, times?: number) {
  return {
    operation,
    type: 'ProvisionedThroughputExceededException',
    status: 400,
    tableName,
    ...(times === undefined ? {} : { times }),
  };
}

describe('checkpoint store failures in a shard reader (DynamoDB lease table)', () => {
  it('GetItem throttled at reader start and UpdateItem throttled for seconds: retried, every record once', async () => {
    const streamArn = await producerStream('engine-ckpt-ddb', 1);
    const written = await putRecords(producerClient(), streamArn, records('ddb', 30));
    const tableName = uniqueTableName('ckpt');
    const seen: { sequenceNumber: string; at: number }[] = [];
    const retries: string[] = [];
    let liftedAt = Number.POSITIVE_INFINITY;
    let outage: Promise<void> | undefined;
    const { logger, lines } = memoryLogger('info');
    // More throttled GetItems than one lease-table call retries (4 attempts x 2 SDK attempts).
    proxy.faults.push(throttle('GetItem', tableName, 10));
    const poller = createPoller({
      streamArn,
      handler: (record: StreamRecord<unknown>) => {
        seen.push({ sequenceNumber: record.sequenceNumber, at: Date.now() });
        if (seen.length === 1) {
          // Every UpdateItem (checkpoint writes, renewals) throttled for 4 s from the first record on.
          const fault = throttle('UpdateItem', tableName);
          proxy.faults.push(fault);
          outage = sleep(4_000).then(() => {
            proxy.faults.splice(proxy.faults.indexOf(fault), 1);
            liftedAt = Date.now();
          });
        }
      },
      codec: 'text',
      kinesisClient: consumerClient(),
      leaseTable: { tableName, client: viaProxy, failoverTimeMs: 20_000 },
      maxRecordsPerCall: 10,
      idleTimeBetweenReadsMs: 50,
      logger,
      observer: { onRetry: (_shard, action) => retries.push(action) },
    });
    pollers.push(poller);
    const state = outcome(poller);
    await poller.start();
    await waitFor(() => seen.length >= 30 || state.settled, 'all 30 records', 45_000);
    await outage;
    expect(state.error).toBeUndefined();
    expect(state.settled).toBe(false);

    expect(proxy.injected.get('GetItem')).toBe(10);
    expect(proxy.injected.get('UpdateItem') ?? 0).toBeGreaterThan(4);
    expect(retries).toContain('checkpoint:get');
    expect(retries.filter((a) => a === 'checkpoint:put').length).toBeGreaterThanOrEqual(1);
    // Every record once, in order; the second page only after the first one's checkpoint went through.
    expect(seen.map((s) => s.sequenceNumber)).toEqual(written.map((w) => w.sequenceNumber));
    expect(seen.slice(10).every((s) => s.at >= liftedAt)).toBe(true);
    expect(
      lines.some((l) => l.includes(`checkpoint put of ${SHARD} failed`) && l.includes(`lease table ${tableName}`)),
    ).toBe(true);
    expect(errorLines(lines)).toEqual([]);

    const table = new LeaseTable({ client: direct, tableName });
    await waitFor(
      () => poller.status().shards[0]?.checkpoint?.includes(written.at(-1)!.sequenceNumber) === true,
      'last checkpoint',
    );
    await poller.stop();
    await poller.done;
    expect((await table.get(streamArn, SHARD))?.checkpoint?.sequenceNumber).toBe(written.at(-1)?.sequenceNumber);
  });

  it('the lease moves to another worker while the put is being retried: that reader stops, no error, no checkpoint', async () => {
    const streamArn = await producerStream('engine-ckpt-moved', 1);
    const written = await putRecords(producerClient(), streamArn, records('moved', 20));
    const tableName = uniqueTableName('ckpt');
    const stopped: [string, string][] = [];
    const retries: string[] = [];
    let handled = 0;
    let moved: Promise<void> | undefined;
    const { logger, lines } = memoryLogger('info');
    const poller = createPoller({
      streamArn,
      handler: () => {
        handled += 1;
        if (handled !== 1) return;
        // The checkpoint write is throttled; while the reader retries it, another worker takes the lease
        // (owner and counter change in the table itself); then the throttling ends.
        const fault = throttle('UpdateItem', tableName);
        proxy.faults.push(fault);
        moved = (async () => {
          // Once the reader has retried the put at least once (a lease-table call gave up).
          await waitFor(() => retries.includes('checkpoint:put'), 'a retried checkpoint put', 20_000);
          await direct.send(
            new UpdateItemCommand({
              TableName: tableName,
              Key: leaseKey(streamArn, SHARD),
              UpdateExpression: 'SET #owner = :other ADD #counter :one',
              ExpressionAttributeNames: { '#owner': ATTR.owner, '#counter': ATTR.counter },
              ExpressionAttributeValues: { ':other': { S: 'worker-2' }, ':one': { N: '1' } },
            }),
          );
          proxy.faults.splice(proxy.faults.indexOf(fault), 1);
        })();
      },
      codec: 'text',
      kinesisClient: consumerClient(),
      leaseTable: { tableName, client: viaProxy, workerId: 'worker-1', failoverTimeMs: 30_000 },
      maxRecordsPerCall: 10,
      idleTimeBetweenReadsMs: 50,
      logger,
      observer: {
        onShardStopped: (shardId, reason) => stopped.push([shardId, reason]),
        onRetry: (_shard, action) => retries.push(action),
      },
    });
    pollers.push(poller);
    const state = outcome(poller);
    await poller.start();
    await waitFor(() => stopped.length > 0 || state.settled, 'the reader to stop', 30_000);
    await moved;
    await sleep(300);

    expect(state.error).toBeUndefined();
    expect(state.settled).toBe(false);
    expect(stopped).toEqual([[SHARD, 'lost']]);
    expect(retries).toContain('checkpoint:put');
    expect(handled).toBe(10);
    const lease = await new LeaseTable({ client: direct, tableName }).get(streamArn, SHARD);
    expect(lease?.owner).toBe('worker-2');
    expect(lease?.checkpoint).toBeUndefined();
    expect(errorLines(lines)).toEqual([]);
    expect(lines.some((l) => l.includes('lease lost') && l.includes('"level":40') && l.includes('worker-2'))).toBe(
      true,
    );
    expect(written).toHaveLength(20);
  });
});
