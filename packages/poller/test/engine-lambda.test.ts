import { MemoryCheckpointStore, type StreamRecord } from '@streamshare/core';
import { kinesisHandler } from '@streamshare/lambda-adapter';
import { createPoller } from '@streamshare/poller';
import { putRecords } from '@streamshare/testkit';
import type { KinesisStreamEvent } from 'aws-lambda';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { consumerClient, producerClient, producerStream, waitFor } from './helpers/engine-env.js';
import { aggregateRecords } from './helpers/kpl.js';

const silent = pino({ level: 'silent' });

describe('Lambda-shaped delivery (a kinesisHandler runs unchanged in the poller)', () => {
  it('delivers Lambda events and honours batchItemFailures: the failed record and the ones after it come again', async () => {
    const streamArn = await producerStream('engine-lambda', 1);
    const users = Array.from({ length: 3 }, (_, i) => ({ partitionKey: `u${i}`, data: JSON.stringify({ user: i }) }));
    const [agg] = await aggregateRecords(users);
    const input = [
      ...Array.from({ length: 5 }, (_, i) => ({ data: JSON.stringify({ n: i }), partitionKey: 'DUMMY1' })),
      { data: agg!.data, partitionKey: agg!.partitionKey },
      { data: JSON.stringify({ n: 5 }), partitionKey: 'DUMMY1' },
    ];
    const written = await putRecords(producerClient(), streamArn, input);

    const handled: unknown[] = [];
    const events: KinesisStreamEvent[] = [];
    const contexts: { functionName?: string; remaining?: number }[] = [];
    let failuresLeft = 2;
    const inner = kinesisHandler(
      async (record: StreamRecord<unknown>) => {
        const data = record.data as { n?: number };
        // Record n=3 fails twice (the adapter reports it in batchItemFailures), then succeeds.
        if (data.n === 3 && failuresLeft > 0) {
          failuresLeft--;
          throw new Error('transient failure of n=3');
        }
        handled.push(record.data);
      },
      { retry: { attempts: 1 }, logger: silent },
    );
    // Same function, observed: still carries the marker, so the poller delivers Lambda events to it.
    const lambda = Object.assign(
      async (event: KinesisStreamEvent, context: { functionName?: string; getRemainingTimeInMillis(): number }) => {
        events.push(event);
        contexts.push({ functionName: context.functionName, remaining: context.getRemainingTimeInMillis() });
        return inner(event, context as never);
      },
      inner,
    );
    for (const symbol of Object.getOwnPropertySymbols(inner)) {
      (lambda as unknown as Record<symbol, unknown>)[symbol] = (inner as unknown as Record<symbol, unknown>)[symbol];
    }

    const store = new MemoryCheckpointStore();
    const poller = createPoller({
      streamArn,
      handler: lambda,
      kinesisClient: consumerClient(),
      checkpointStore: store,
      idleTimeBetweenReadsMs: 100,
      failureBackoff: { minMs: 100, maxMs: 200 },
    });
    await poller.start();
    await waitFor(() => handled.length >= 9, 'all records handled');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await poller.stop();

    // Lambda format: eventSource, eventID, region, ARN of the stream; the aggregate arrives whole.
    const firstRecord = events[0]!.Records[0]!;
    expect(firstRecord).toMatchObject({
      eventSource: 'aws:kinesis',
      eventName: 'aws:kinesis:record',
      eventSourceARN: streamArn,
      awsRegion: 'us-east-1',
      eventID: `${written[0]!.shardId}:${written[0]!.sequenceNumber}`,
    });
    expect(firstRecord.kinesis.partitionKey).toBe('DUMMY1');
    expect(events[0]!.Records).toHaveLength(7);
    expect(contexts[0]!.functionName).toBe('streamshare-poller');
    expect(contexts[0]!.remaining).toBeGreaterThan(60_000);

    // n=3 failed twice: each time the next event started AT n=3 (0..2 were checkpointed).
    expect(events.length).toBe(3);
    expect(events[1]!.Records[0]!.kinesis.sequenceNumber).toBe(written[3]!.sequenceNumber);
    expect(events[2]!.Records[0]!.kinesis.sequenceNumber).toBe(written[3]!.sequenceNumber);
    expect(handled).toEqual([
      { n: 0 },
      { n: 1 },
      { n: 2 },
      { n: 3 },
      { n: 4 },
      { user: 0 },
      { user: 1 },
      { user: 2 },
      { n: 5 },
    ]);
    expect(await store.get(streamArn, written[0]!.shardId)).toEqual({
      sequenceNumber: written[6]!.sequenceNumber,
      subSequenceNumber: 0,
      complete: true,
    });
  });

  it('a Lambda handler that throws: nothing is checkpointed and the batch comes again', async () => {
    const streamArn = await producerStream('engine-lambda-throw', 1);
    await putRecords(producerClient(), streamArn, [
      { data: 'a', partitionKey: 'k' },
      { data: 'b', partitionKey: 'k' },
    ]);
    let calls = 0;
    const seen: string[] = [];
    const inner = kinesisHandler(
      (record: StreamRecord<unknown>) => {
        seen.push(String(record.data));
      },
      { codec: 'text', logger: silent },
    );
    const throwing = Object.assign(async (event: KinesisStreamEvent, context: unknown) => {
      calls++;
      if (calls === 1) throw new Error('function crashed');
      return inner(event, context as never);
    }, inner);
    for (const symbol of Object.getOwnPropertySymbols(inner)) {
      (throwing as unknown as Record<symbol, unknown>)[symbol] = (inner as unknown as Record<symbol, unknown>)[symbol];
    }
    const store = new MemoryCheckpointStore();
    const poller = createPoller({
      streamArn,
      handler: throwing,
      kinesisClient: consumerClient(),
      checkpointStore: store,
      idleTimeBetweenReadsMs: 100,
      failureBackoff: { minMs: 100, maxMs: 200 },
    });
    await poller.start();
    await waitFor(() => seen.length >= 2, 'both records after the crash');
    await poller.stop();
    expect(calls).toBe(2);
    expect(seen).toEqual(['a', 'b']);
  });
});
