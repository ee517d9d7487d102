/**
 * The record data type of the adapter's handler factories. The root `npm run typecheck`
 * (tsconfig.json, `strict`, which includes packages/*\/test) compiles this file: an inline handler
 * or reducer must get its records' data type from the `codec` (or a type argument, or an annotated
 * handler), and the `@ts-expect-error` lines must stay errors. At run time it only builds the
 * Lambda handlers (none is invoked).
 */
import { batchHandler, type CloudWatchLogsData, type Handler, type StreamRecord, schema } from '@streamshare/core';
import {
  eventBridgeHandler,
  kinesisHandler,
  kinesisWindowHandler,
  type WindowInput,
} from '@streamshare/lambda-adapter';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { quiet as logger } from './fixtures.js';

const Order = z.object({ id: z.string(), amount: z.number() });
type Order = z.infer<typeof Order>;

type Totals = { count: number };

describe('kinesisHandler: the record data type comes from the codec', () => {
  it('is unknown without a codec, and for auto, json and gzip', () => {
    kinesisHandler((record) => {
      expectTypeOf(record).toEqualTypeOf<StreamRecord<unknown>>();
    });
    for (const codec of ['auto', 'json', 'gzip'] as const) {
      kinesisHandler(
        (record) => {
          expectTypeOf(record.data).toEqualTypeOf<unknown>();
        },
        { codec, logger },
      );
    }
  });

  it('takes the data type of a codec name', () => {
    const text = kinesisHandler(
      (record) => {
        expectTypeOf(record.data).toEqualTypeOf<string>();
      },
      { codec: 'text', logger },
    );
    kinesisHandler(
      (record) => {
        expectTypeOf(record.data).toEqualTypeOf<Uint8Array>();
      },
      { codec: 'bytes', logger },
    );
    kinesisHandler(
      (record) => {
        expectTypeOf(record.data).toEqualTypeOf<CloudWatchLogsData>();
      },
      {
        codec: 'cloudwatch-logs',
        logger,
        deadLetter: async (record) => {
          expectTypeOf(record).toEqualTypeOf<StreamRecord<CloudWatchLogsData> | StreamRecord<Uint8Array>>();
        },
      },
    );
    kinesisHandler(
      {
        kind: 'batch',
        handle: (records) => {
          expectTypeOf(records).toEqualTypeOf<readonly StreamRecord<string>[]>();
        },
      },
      { codec: 'text', logger },
    );
    expect(typeof text).toBe('function');
  });

  it('takes the data type of a schema(...) codec, a type argument or an annotated handler', () => {
    kinesisHandler(
      (record) => {
        expectTypeOf(record.data).toEqualTypeOf<Order>();
      },
      {
        codec: schema(Order),
        logger,
        deadLetter: async (record) => {
          expectTypeOf(record).toEqualTypeOf<StreamRecord<Order> | StreamRecord<Uint8Array>>();
        },
      },
    );
    kinesisHandler<Order>(
      (record) => {
        expectTypeOf(record.data).toEqualTypeOf<Order>();
      },
      { codec: 'json', logger },
    );
    kinesisHandler(
      (record: StreamRecord<Order>) => {
        expectTypeOf(record.data.amount).toEqualTypeOf<number>();
      },
      { codec: 'json', logger },
    );
    // A handler written elsewhere, as the bridge's forwarder is.
    const forward: Handler<Uint8Array> = (record) => void record;
    kinesisHandler(forward, { codec: 'bytes', logger });
    kinesisHandler(
      batchHandler<Order>((records) => ({ done: records.length })),
      { codec: schema(Order), logger },
    );
  });

  it('refuses a handler whose record type contradicts the codec', () => {
    kinesisHandler(
      // @ts-expect-error the codec gives Order records, not strings
      (record: StreamRecord<string>) => void record,
      { codec: schema(Order), logger },
    );
    kinesisHandler((record: StreamRecord<Order>) => void record, {
      // @ts-expect-error the text codec gives strings, not Order
      codec: 'text',
      logger,
    });
    kinesisHandler<Order>((record) => void record, {
      // @ts-expect-error the bytes codec gives a Uint8Array, not Order
      codec: 'bytes',
      logger,
    });
    kinesisHandler(
      // @ts-expect-error a string has no `amount`
      (record) => void record.data.amount,
      { codec: 'text', logger },
    );
  });
});

describe('kinesisWindowHandler: the records of the reducer are typed by the codec', () => {
  it('takes the data type of a codec name or a schema, the state from initialState', () => {
    const handler = kinesisWindowHandler(
      ({ records, state }) => {
        expectTypeOf(records).toEqualTypeOf<readonly StreamRecord<string>[]>();
        expectTypeOf(state).toEqualTypeOf<Totals>();
        return { count: state.count + records.length };
      },
      { codec: 'text', logger, initialState: (): Totals => ({ count: 0 }) },
    );
    kinesisWindowHandler(
      ({ records, state }) => {
        expectTypeOf(records[0]!.data).toEqualTypeOf<Order>();
        return state;
      },
      { codec: schema(Order), logger },
    );
    kinesisWindowHandler<Totals, Order>(
      ({ records, state }) => ({ count: state.count + records.filter((r) => r.data.amount > 0).length }),
      { codec: 'json', logger },
    );
    // The state given alone: the data is unknown, as before.
    kinesisWindowHandler<Totals>(
      (input) => {
        expectTypeOf(input).toEqualTypeOf<WindowInput<Totals, unknown>>();
        return input.state;
      },
      { codec: 'json', logger },
    );
    expect(typeof handler).toBe('function');
  });

  it('refuses a codec name that cannot give the records asked for', () => {
    kinesisWindowHandler<Totals, Order>(({ state }) => state, {
      // @ts-expect-error the bytes codec gives a Uint8Array, not Order
      codec: 'bytes',
      logger,
    });
    kinesisWindowHandler(
      // @ts-expect-error a string has no `amount`
      ({ records, state }) => ({ count: state.count + records[0]!.data.amount }),
      { codec: 'text', logger, initialState: (): Totals => ({ count: 0 }) },
    );
  });
});

describe('eventBridgeHandler: the record data type comes from the codec', () => {
  it('takes the data type of a codec name or a schema', () => {
    const handler = eventBridgeHandler(
      (record) => {
        expectTypeOf(record.data).toEqualTypeOf<Uint8Array>();
      },
      { codec: 'bytes', logger },
    );
    eventBridgeHandler(
      (record) => {
        expectTypeOf(record.data).toEqualTypeOf<Order>();
      },
      { codec: schema(Order), logger },
    );
    eventBridgeHandler((record) => {
      expectTypeOf(record.data).toEqualTypeOf<unknown>();
    });
    expect(typeof handler).toBe('function');
  });

  it('refuses a handler whose record type contradicts the codec', () => {
    eventBridgeHandler((record: StreamRecord<Order>) => void record, {
      // @ts-expect-error the text codec gives strings, not Order
      codec: 'text',
      logger,
    });
    eventBridgeHandler(
      // @ts-expect-error a Uint8Array has no `amount`
      (record) => void record.data.amount,
      { codec: 'bytes', logger },
    );
  });
});
