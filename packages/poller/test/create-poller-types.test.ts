/**
 * The types of `createPoller`'s `handler` option. The root `npm run typecheck` (tsconfig.json,
 * `strict`, which includes packages/*\/test) compiles this file: a handler written inline must get
 * its parameter types from the option (no implicit any), a Lambda handler must carry core's marker,
 * and the `@ts-expect-error` lines must stay errors. At run time it only checks that createPoller
 * takes each handler (nothing is started, nothing is called).
 */
import {
  type BatchContext,
  type BatchHandlerResult,
  batchHandler,
  KINESIS_LAMBDA_HANDLER,
  MemoryCheckpointStore,
  type RecordContext,
  type StreamRecord,
} from '@streamshare/core';
import { kinesisHandler } from '@streamshare/lambda-adapter';
import { createPoller, type Poller, type PollerOptions } from '@streamshare/poller';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { describe, expect, expectTypeOf, it } from 'vitest';

const streamArn = 'arn:aws:kinesis:us-east-1:999900009999:stream/kds-sharing-example1';

/** The record type the option gives a handler (its data is `any`, as `Handler<any>` says). */
// biome-ignore lint/suspicious/noExplicitAny: the type under test.
type OptionRecord = StreamRecord<any>;

/** createPoller with a handler, and nothing else that could touch a disk or the network. */
function pollerWith(handler: PollerOptions['handler']): Poller {
  return createPoller({ streamArn, handler, checkpointStore: new MemoryCheckpointStore() });
}

describe('createPoller: the handler option types inline handlers', () => {
  it('types an inline record handler (record, context) without annotations', () => {
    const poller = createPoller({
      streamArn,
      checkpointStore: new MemoryCheckpointStore(),
      handler: async (record, { logger, attempt, signal }) => {
        expectTypeOf(record).toEqualTypeOf<OptionRecord>();
        expectTypeOf(logger.info).toBeFunction();
        expectTypeOf(attempt).toEqualTypeOf<number>();
        expectTypeOf(signal).toEqualTypeOf<AbortSignal>();
        logger.info({ shard: record.shardId, seq: record.sequenceNumber }, 'record');
      },
    });
    expect(typeof poller.start).toBe('function');
    // A synchronous one, context not destructured.
    createPoller({
      streamArn,
      checkpointStore: new MemoryCheckpointStore(),
      handler: (record, context) => {
        expectTypeOf(record.approximateArrivalTimestamp).toEqualTypeOf<Date>();
        expectTypeOf(context).toEqualTypeOf<RecordContext>();
      },
    });
  });

  it('types an inline batch handler object, and takes one made by batchHandler', () => {
    createPoller({
      streamArn,
      checkpointStore: new MemoryCheckpointStore(),
      handler: {
        kind: 'batch',
        handle: async (records, context) => {
          expectTypeOf(records).toEqualTypeOf<readonly OptionRecord[]>();
          expectTypeOf(context).toEqualTypeOf<BatchContext>();
          return { done: records.length };
        },
      },
    });
    const batch = batchHandler(async (records, { logger }): Promise<BatchHandlerResult> => {
      logger.info({ count: records.length }, 'batch');
      return { done: records.length };
    });
    expect(typeof pollerWith(batch).status).toBe('function');
  });

  it('takes a Lambda handler made by kinesisHandler, or any function carrying the marker', () => {
    const lambda = kinesisHandler(async (record, { logger }) => {
      logger.info({ seq: record.sequenceNumber }, 'record');
    });
    expect(typeof pollerWith(lambda).stop).toBe('function');
    const marked = Object.assign(
      async (event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse> => {
        expectTypeOf(event.Records).toBeArray();
        return { batchItemFailures: [] };
      },
      { [KINESIS_LAMBDA_HANDLER]: true as const },
    );
    expect(typeof pollerWith(marked).stop).toBe('function');
  });

  it('refuses a Lambda-shaped function without the marker, and a handler of the wrong shape', () => {
    const unmarked = async (_event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse> => ({
      batchItemFailures: [],
    });
    // Without the marker the poller would call it as a record handler (record, context).
    // @ts-expect-error a Lambda handler must be made by kinesisHandler (it carries the marker)
    const options: PollerOptions = { streamArn, handler: unmarked };
    // @ts-expect-error a record handler takes a StreamRecord, not a string
    const wrong: PollerOptions = { streamArn, handler: (record: string) => void record };
    expect([options, wrong]).toHaveLength(2);
  });
});
