import { MemoryCheckpointStore, type StreamRecord } from '@streamshare/core';
import { compareSequenceNumbers } from '@streamshare/core/internal';
import { AccessDeniedError, createPoller, KmsError, StreamNotFoundError } from '@streamshare/poller';
import { type FaultProxy, PRODUCER_ACCOUNT, putRecords, startFaultProxy, streamArnOf } from '@streamshare/testkit';
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
afterEach(async () => {
  await proxy?.stop();
  proxy = undefined;
});

describe('faults between the poller and Kinesis (loopback fault proxy)', () => {
  it('throttling, expired iterators, 500s, 503s and dropped connections lose nothing', async () => {
    const streamArn = await producerStream('engine-faults', 2);
    const records = Array.from({ length: 80 }, (_, i) => ({ data: `r${i}`, partitionKey: `p${i % 9}` }));
    const written = await putRecords(producerClient(), streamArn, records);
    proxy = await startFaultProxy({
      target: kinesisEndpoint(),
      seed: 7,
      rules: [
        // Certain faults early on, then random ones.
        { actions: 'GetRecords', fault: 'throttle', skip: 1, count: 3 },
        { actions: 'GetRecords', fault: 'expired-iterator', skip: 4, count: 2 },
        { actions: 'GetRecords', fault: 'internal-failure', skip: 6, count: 2 },
        { actions: 'GetRecords', fault: 'drop', skip: 8, count: 1 },
        { actions: 'GetRecords', fault: 'drop-response', skip: 10, count: 1 },
        { actions: 'GetRecords', fault: 'throttle', probability: 0.2 },
        { actions: 'GetRecords', fault: 'expired-iterator', probability: 0.1 },
        { actions: ['GetRecords', 'GetShardIterator', 'DescribeStream'], fault: 'internal-failure', probability: 0.1 },
        { actions: ['GetRecords', 'GetShardIterator'], fault: 'service-unavailable', probability: 0.05 },
        { actions: ['GetRecords', 'DescribeStream'], fault: 'drop', probability: 0.05 },
        { actions: 'GetRecords', fault: 'drop-response', probability: 0.05 },
        { actions: 'GetShardIterator', fault: 'limit-exceeded', probability: 0.1 },
      ],
    });
    const seen: StreamRecord<unknown>[] = [];
    const throttles: string[] = [];
    const retries: string[] = [];
    const poller = createPoller({
      streamArn,
      handler: (record: StreamRecord<unknown>) => {
        seen.push(record);
      },
      codec: 'text',
      kinesisClient: consumerClient(proxy.endpoint),
      checkpointStore: new MemoryCheckpointStore(),
      idleTimeBetweenReadsMs: 50,
      // Small pages, so that there are many GetRecords calls to disturb.
      maxRecordsPerCall: 5,
      observer: {
        onThrottle: (_shard, action) => throttles.push(action),
        onRetry: (_shard, action) => retries.push(action),
      },
    });
    await poller.start();
    await waitFor(() => new Set(seen.map((r) => r.data)).size >= 80, 'all 80 records', 60_000);
    await poller.stop();
    await poller.done;

    expect(new Set(seen.map((r) => r.data))).toEqual(new Set(records.map((r) => r.data)));
    // In order per shard, and each record once (GetRecords is a read: no redelivery without a failure).
    for (const shardId of new Set(written.map((w) => w.shardId))) {
      const got = seen.filter((r) => r.shardId === shardId).map((r) => r.sequenceNumber);
      expect(got).toEqual(written.filter((w) => w.shardId === shardId).map((w) => w.sequenceNumber));
      expect(got.every((s, i) => i === 0 || compareSequenceNumbers(got[i - 1]!, s) < 0)).toBe(true);
    }
    const injected = proxy.stats.injected;
    expect(injected.throttle).toBeGreaterThan(0);
    expect(injected['expired-iterator']).toBeGreaterThan(0);
    expect(injected['internal-failure']).toBeGreaterThan(0);
    expect(injected.drop + injected['drop-response']).toBeGreaterThan(0);
    expect(throttles).toContain('kinesis:GetRecords');
    expect(retries.length).toBeGreaterThan(0);
  });

  it.each([
    ['GetRecords', 'kinesis:GetRecords'],
    ['GetShardIterator', 'kinesis:GetShardIterator'],
  ])('AccessDenied on %s stops the poller with an error naming that action and the statement', async (action, iam) => {
    const streamArn = await producerStream('engine-denied', 1);
    await putRecords(producerClient(), streamArn, [{ data: 'x', partitionKey: 'k' }]);
    proxy = await startFaultProxy({
      target: kinesisEndpoint(),
      rules: [
        {
          actions: action,
          fault: 'access-denied',
          principalArn: 'arn:aws:sts::888800008888:assumed-role/kds-reader1-role/streamshare',
        },
      ],
    });
    const { logger, lines } = memoryLogger();
    const poller = createPoller({
      streamArn,
      handler: () => {},
      kinesisClient: consumerClient(proxy.endpoint),
      checkpointStore: new MemoryCheckpointStore(),
      idleTimeBetweenReadsMs: 50,
      logger,
    });
    await poller.start();
    const error = await poller.done.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AccessDeniedError);
    const denied = error as AccessDeniedError;
    expect(denied.code).toBe('ACCESS_DENIED');
    expect(denied.retryable).toBe(false);
    expect(denied.action).toBe(iam);
    expect(denied.principal).toBe('arn:aws:iam::888800008888:role/kds-reader1-role');
    expect(denied.message).toContain(iam);
    expect(denied.message).toContain(streamArn);
    expect(denied.message).toContain('"Effect": "Allow"');
    expect(denied.message).toContain('"AWS": "arn:aws:iam::888800008888:role/kds-reader1-role"');
    expect(denied.message).toContain('kinesis:DescribeStream');
    expect(denied.message).toContain(`account ${PRODUCER_ACCOUNT}`);
    expect(denied.statement.Action).toHaveLength(5);
    expect(lines.some((line) => line.includes(iam))).toBe(true);
  });

  it('DescribeStream denied: falls back to ListShards, warns, and keeps reading', async () => {
    const streamArn = await producerStream('engine-nodescribe', 2);
    await putRecords(
      producerClient(),
      streamArn,
      Array.from({ length: 10 }, (_, i) => ({ data: `d${i}`, partitionKey: `k${i}` })),
    );
    proxy = await startFaultProxy({
      target: kinesisEndpoint(),
      rules: [{ actions: 'DescribeStream', fault: 'access-denied' }],
    });
    const { logger, lines } = memoryLogger();
    const seen: unknown[] = [];
    const poller = createPoller({
      streamArn,
      handler: (record: StreamRecord<unknown>) => {
        seen.push(record.data);
      },
      kinesisClient: consumerClient(proxy.endpoint),
      checkpointStore: new MemoryCheckpointStore(),
      idleTimeBetweenReadsMs: 50,
      logger,
    });
    await poller.start();
    await waitFor(() => seen.length >= 10, '10 records');
    await poller.stop();
    expect(proxy.stats.byAction.ListShards?.requests).toBeGreaterThan(0);
    expect(lines.some((l) => l.includes('kinesis:DescribeStream is denied'))).toBe(true);
  });

  it('a stream that does not exist: StreamNotFoundError naming the ARN and region', async () => {
    const missing = streamArnOf(PRODUCER_ACCOUNT, 'no-such-stream-engine');
    const poller = createPoller({
      streamArn: missing,
      handler: () => {},
      kinesisClient: consumerClient(),
      checkpointStore: new MemoryCheckpointStore(),
    });
    const error = await poller.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StreamNotFoundError);
    expect((error as Error).message).toContain(missing);
    expect((error as Error).message).toMatch(/region us-east-1/);
    expect((error as Error).message).toMatch(/does the stream exist/);
    await expect(poller.done).rejects.toBe(error);
  });

  it('KMS errors get their own message', async () => {
    const streamArn = await producerStream('engine-kms', 1);
    await putRecords(producerClient(), streamArn, [{ data: 'x', partitionKey: 'k' }]);
    proxy = await startFaultProxy({ target: kinesisEndpoint(), rules: [] });
    // The proxy has no KMS fault: answer one with the same wire format through a custom message on a
    // throttle-shaped rule is not possible, so check the mapping on the SDK error shape directly.
    const { classifyKinesisError } = await import('../src/errors/classify.js');
    const sdkError = Object.assign(new Error('The ciphertext refers to a customer master key that does not exist'), {
      name: 'KMSAccessDeniedException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    });
    const { kind, error } = classifyKinesisError(sdkError, { action: 'GetRecords', streamArn, region: 'us-east-1' });
    expect(kind).toBe('fatal');
    expect(error).toBeInstanceOf(KmsError);
    expect(error.message).toContain('kms:Decrypt');
    expect(error.message).toContain('key policy');
  });
});
