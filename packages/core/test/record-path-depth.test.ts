/**
 * The record path is short: the user's handler is called from the walk, and the walk from
 * processBatch, whatever the record source (an array, a Lambda event, a GetRecords page) and the
 * walk (in order, by partition key, whole batch). Counted on a real stack trace taken in the handler.
 */
import { batchHandler, kinesisRecords, processBatch, type StreamRecord } from '@streamshare/core';
import {
  type BatchInput,
  type KinesisRecords,
  type LambdaRecords,
  lambdaRecords,
  toLambdaKinesisEvent,
} from '@streamshare/core/internal';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ARN = 'arn:aws:kinesis:us-east-1:999900009999:stream/kds-sharing-example1';
const SHARD = 'shardId-000000000000';
const records: StreamRecord<Uint8Array>[] = [0, 1, 2].map((i) => ({
  streamArn: ARN,
  shardId: SHARD,
  partitionKey: `key-${i}`,
  sequenceNumber: String(49649683864473953433843496278632352517587667908684677122n + BigInt(i)),
  approximateArrivalTimestamp: new Date(1_709_100_911_667),
  data: new TextEncoder().encode(JSON.stringify({ i })),
}));

const sources: Record<string, () => readonly BatchInput[] | LambdaRecords | KinesisRecords> = {
  'an array': () => records,
  'a Lambda event': () => lambdaRecords(toLambdaKinesisEvent(records).Records),
  'a GetRecords page': () =>
    kinesisRecords(
      records.map((r) => ({
        SequenceNumber: r.sequenceNumber,
        PartitionKey: r.partitionKey,
        ApproximateArrivalTimestamp: r.approximateArrivalTimestamp,
        Data: r.data,
      })),
      { streamArn: ARN, shardId: SHARD },
    ),
};

/**
 * Calls from processBatch to the frame that took `stack` (the handler): 2 = processBatch -> walk ->
 * handler. Node's own frames (the microtask queue resuming an async function) are no calls of ours.
 */
function callsFromProcessBatch(stack: string): number {
  const frames = stack
    .split('\n')
    .slice(1)
    .filter((line) => !/\(node:internal\//.test(line));
  const at = frames.findIndex((line) => /\bat (async )?processBatch\b/.test(line));
  expect(at, stack).toBeGreaterThan(0);
  return at;
}

let limit: number;
beforeAll(() => {
  limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 50;
});
afterAll(() => {
  Error.stackTraceLimit = limit;
});

describe('the record path, from processBatch to the handler', () => {
  for (const [name, source] of Object.entries(sources)) {
    for (const codec of ['json', 'auto'] as const) {
      it(`is 2 calls deep for ${name} (${codec}), in order and by partition key`, async () => {
        for (const concurrency of [1, 4]) {
          const stacks: string[] = [];
          const result = await processBatch(
            source(),
            function userHandler() {
              stacks.push(new Error('where').stack ?? '');
            },
            { codec, concurrency },
          );
          expect(result.succeeded).toBe(3);
          expect(callsFromProcessBatch(stacks[0] as string)).toBe(2);
        }
      });
    }

    it(`is 2 calls deep for ${name} with a batch handler`, async () => {
      let stack = '';
      await processBatch(
        source(),
        batchHandler(function userBatchHandler() {
          stack = new Error('where').stack ?? '';
        }),
        { codec: 'json' },
      );
      expect(callsFromProcessBatch(stack)).toBe(2);
    });
  }
});
