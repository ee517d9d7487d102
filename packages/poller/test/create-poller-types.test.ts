/**
 * The types of `createPoller`'s `handler` option. The root `npm run typecheck` (tsconfig.json,
 * `strict`, which includes packages/*\/test) compiles this file: a handler written inline must get
 * its parameter types from the option (no implicit any), its record data type from the `codec` (or
 * the type argument), a Lambda handler must carry core's marker, and the `@ts-expect-error` lines
 * must stay errors. At run time it only checks that createPoller takes each handler (nothing is
 * started, nothing is called).
 */
import {
  type BatchContext,
  batchHandler,
  type CloudWatchLogsData,
  KINESIS_LAMBDA_HANDLER,
  MemoryCheckpointStore,
  type RecordContext,
  type StreamRecord,
  schema,
} from '@streamshare/core';
import type { BatchHandlerResult } from '@streamshare/core/internal';
import { kinesisHandler } from '@streamshare/lambda-adapter';
import { createPoller, type Poller, type PollerOptions } from '@streamshare/poller';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';

const streamArn = 'arn:aws:kinesis:us-east-1:999900009999:stream/kds-sharing-example1';

/** The record type the option gives a handler when nothing says what the data is (no codec, `auto`). */
type OptionRecord = StreamRecord<unknown>;

const Order = z.object({ id: z.string(), amount: z.number() });
type Order = z.infer<typeof Order>;

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

describe('createPoller: the record data type comes from the codec', () => {
  const checkpointStore = new MemoryCheckpointStore();

  it('takes the data type of a schema(...) codec', () => {
    createPoller({
      streamArn,
      checkpointStore,
      codec: schema(Order),
      handler: (record) => {
        expectTypeOf(record.data).toEqualTypeOf<Order>();
        expectTypeOf(record.data.amount).toEqualTypeOf<number>();
      },
      deadLetter: async (record) => {
        expectTypeOf(record).toEqualTypeOf<StreamRecord<Order> | StreamRecord<Uint8Array>>();
      },
    });
    createPoller({
      streamArn,
      checkpointStore,
      codec: schema(Order),
      handler: {
        kind: 'batch',
        handle: (records) => {
          expectTypeOf(records).toEqualTypeOf<readonly StreamRecord<Order>[]>();
        },
      },
    });
  });

  it('takes the data type of a codec name', () => {
    createPoller({
      streamArn,
      checkpointStore,
      codec: 'text',
      handler: (record) => {
        expectTypeOf(record.data).toEqualTypeOf<string>();
      },
    });
    createPoller({
      streamArn,
      checkpointStore,
      codec: 'bytes',
      handler: (record) => {
        expectTypeOf(record.data).toEqualTypeOf<Uint8Array>();
      },
    });
    createPoller({
      streamArn,
      checkpointStore,
      codec: 'cloudwatch-logs',
      handler: (record) => {
        expectTypeOf(record.data).toEqualTypeOf<CloudWatchLogsData>();
      },
    });
    for (const codec of ['json', 'auto', 'gzip'] as const) {
      createPoller({
        streamArn,
        checkpointStore,
        codec,
        handler: (record) => {
          expectTypeOf(record.data).toEqualTypeOf<unknown>();
        },
      });
    }
  });

  it('takes an explicit type argument, or the type of an annotated handler', () => {
    createPoller<Order>({
      streamArn,
      checkpointStore,
      codec: 'json',
      handler: (record) => {
        expectTypeOf(record.data).toEqualTypeOf<Order>();
      },
      deadLetter: async (record) => {
        expectTypeOf(record).toEqualTypeOf<StreamRecord<Order> | StreamRecord<Uint8Array>>();
      },
    });
    createPoller({
      streamArn,
      checkpointStore,
      codec: 'json',
      handler: (record: StreamRecord<Order>) => {
        expectTypeOf(record.data).toEqualTypeOf<Order>();
      },
    });
  });

  it('takes a Lambda handler whatever the codec', () => {
    const lambda = kinesisHandler(async (record) => void record, { codec: schema(Order) });
    createPoller({ streamArn, checkpointStore, codec: 'text', handler: lambda });
    createPoller({ streamArn, checkpointStore, codec: schema(Order), handler: lambda });
    createPoller<Order>({ streamArn, checkpointStore, handler: lambda });
  });

  it('refuses a handler whose record type contradicts the codec', () => {
    createPoller({
      streamArn,
      checkpointStore,
      codec: schema(Order),
      // @ts-expect-error the codec gives Order records, not strings
      handler: (record: StreamRecord<string>) => void record,
    });
    createPoller({
      streamArn,
      checkpointStore,
      // @ts-expect-error the text codec gives strings, not Order
      codec: 'text',
      handler: (record: StreamRecord<Order>) => void record,
    });
    createPoller<Order>({
      streamArn,
      checkpointStore,
      // @ts-expect-error the bytes codec gives a Uint8Array, not Order
      codec: 'bytes',
      handler: (record) => void record,
    });
    createPoller({
      streamArn,
      checkpointStore,
      codec: 'text',
      // @ts-expect-error a string has no `amount`
      handler: (record) => void record.data.amount,
    });
  });
});
