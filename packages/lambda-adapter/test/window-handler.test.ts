import {
  BatchFailedError,
  InvalidEventError,
  InvalidOptionError,
  kinesisWindowHandler,
  ReducerError,
  type WindowInput,
} from '@streamshare/lambda-adapter';
import type { KinesisStreamTumblingWindowEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import {
  captureLogger,
  fakeContext,
  kinesisEvent,
  quiet,
  type RecordSpec,
  SHARD,
  STREAM_ARN,
  seq,
} from './fixtures.js';

const WINDOW = { start: '2024-02-28T06:15:00Z', end: '2024-02-28T06:16:00Z' };

function windowEvent(
  specs: RecordSpec[],
  state: Record<string, unknown> | undefined,
  flags: { final?: boolean; early?: boolean } = {},
): KinesisStreamTumblingWindowEvent {
  return {
    ...kinesisEvent(specs),
    window: WINDOW,
    ...(state === undefined ? {} : { state }),
    shardId: SHARD,
    eventSourceARN: STREAM_ARN,
    isFinalInvokeForWindow: flags.final ?? false,
    isWindowTerminatedEarly: flags.early ?? false,
  } as KinesisStreamTumblingWindowEvent;
}

type Totals = { sum: number; count: number };

const sumReducer = ({ records, state }: WindowInput<Totals, { v: number }>): Totals => ({
  sum: records.reduce((total, record) => total + record.data.v, state.sum),
  count: state.count + records.length,
});

describe('kinesisWindowHandler', () => {
  it('folds the records of a window over several invocations and marks the final one', async () => {
    const finals: boolean[] = [];
    const handler = kinesisWindowHandler<Totals, { v: number }>(
      (input) => {
        finals.push(input.isFinalInvokeForWindow);
        expect(input.window).toEqual(WINDOW);
        return sumReducer(input);
      },
      { codec: 'json', logger: quiet, initialState: () => ({ sum: 0, count: 0 }) },
    );
    const first = await handler(windowEvent([{ data: { v: 1 } }, { data: { v: 2 } }], {}), fakeContext());
    expect(first).toEqual({ state: { sum: 3, count: 2 }, batchItemFailures: [] });
    const second = await handler(
      windowEvent([{ data: { v: 10 }, sequenceNumber: seq(5) }], first.state),
      fakeContext(),
    );
    expect(second).toEqual({ state: { sum: 13, count: 3 }, batchItemFailures: [] });
    const final = await handler(windowEvent([], second.state, { final: true }), fakeContext());
    expect(final).toEqual({ state: { sum: 13, count: 3 }, batchItemFailures: [] });
    expect(finals).toEqual([false, false, true]);
  });

  it('hands the reducer the decoded records, the window flags and the shard', async () => {
    let seen: WindowInput<Totals, unknown> | undefined;
    const handler = kinesisWindowHandler<Totals>(
      (input) => {
        seen = input;
        return input.state;
      },
      { logger: quiet },
    );
    await handler(windowEvent([{ data: 'plain text' }], { sum: 1, count: 1 }, { early: true }), fakeContext());
    expect(seen?.records.map((r) => r.data)).toEqual(['plain text']);
    expect(seen).toMatchObject({
      state: { sum: 1, count: 1 },
      isWindowTerminatedEarly: true,
      isFinalInvokeForWindow: false,
      shardId: SHARD,
      streamArn: STREAM_ARN,
    });
  });

  it('reports a record that does not decode; the state covers exactly the records before it', async () => {
    const handler = kinesisWindowHandler<Totals, { v: number }>(sumReducer, {
      codec: 'json',
      logger: quiet,
      initialState: () => ({ sum: 0, count: 0 }),
    });
    const event = windowEvent(
      [{ data: { v: 1 } }, { data: { v: 2 } }, { data: 'not json' }, { data: { v: 4 } }],
      {},
      {
        final: true,
      },
    );
    const finals: boolean[] = [];
    const watching = kinesisWindowHandler<Totals, { v: number }>(
      (input) => {
        finals.push(input.isFinalInvokeForWindow);
        return sumReducer(input);
      },
      { codec: 'json', logger: quiet, initialState: () => ({ sum: 0, count: 0 }) },
    );
    await expect(handler(event, fakeContext())).resolves.toEqual({
      state: { sum: 3, count: 2 },
      batchItemFailures: [{ itemIdentifier: seq(2) }],
    });
    await watching(event, fakeContext());
    // Lambda invokes again for this window: the reducer must not finish the window yet.
    expect(finals).toEqual([false]);
  });

  it('reports the first record and keeps the incoming state when the reducer throws', async () => {
    const handler = kinesisWindowHandler<Totals>(
      () => {
        throw new Error('reducer bug');
      },
      { logger: quiet },
    );
    const response = await handler(windowEvent([{ data: 1 }, { data: 2 }], { sum: 7, count: 1 }), fakeContext());
    expect(response).toEqual({ state: { sum: 7, count: 1 }, batchItemFailures: [{ itemIdentifier: seq(0) }] });
  });

  it('throws a ReducerError when the reducer fails on an invocation without records', async () => {
    const handler = kinesisWindowHandler<Totals>(
      () => {
        throw new Error('cannot write the aggregate');
      },
      { logger: quiet },
    );
    const error = await handler(windowEvent([], { sum: 7, count: 1 }, { final: true }), fakeContext()).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ReducerError);
    expect((error as ReducerError).code).toBe('REDUCER_FAILED');
    expect((error as ReducerError).message).toContain('cannot write the aggregate');
    expect((error as ReducerError).message).toContain(WINDOW.start);
  });

  it('throws instead of reporting with reportBatchItemFailures false', async () => {
    const handler = kinesisWindowHandler<Totals>(
      () => {
        throw new Error('reducer bug');
      },
      { logger: quiet, reportBatchItemFailures: false },
    );
    const error = await handler(windowEvent([{ data: 1 }], {}), fakeContext()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BatchFailedError);
    expect((error as BatchFailedError).record.sequenceNumber).toBe(seq(0));
    expect((error as BatchFailedError).cause).toBeInstanceOf(ReducerError);
  });

  it('starts from {} without initialState, and passes a non-empty state through', async () => {
    const states: unknown[] = [];
    const handler = kinesisWindowHandler(
      ({ state }) => {
        states.push(state);
        return { seen: true };
      },
      { logger: quiet },
    );
    await handler(windowEvent([], undefined), fakeContext());
    await handler(windowEvent([], { a: 1 }), fakeContext());
    expect(states).toEqual([{}, { a: 1 }]);
  });

  it('refuses an event that is not a tumbling window event', async () => {
    const handler = kinesisWindowHandler(({ state }) => state, { logger: quiet });
    const noWindow = await handler(kinesisEvent([{ data: 1 }]) as never, fakeContext()).catch((e: unknown) => e);
    expect(noWindow).toBeInstanceOf(InvalidEventError);
    expect((noWindow as Error).message).toContain(
      'a Kinesis event (Records[0].eventSource aws:kinesis) without a window',
    );
    expect((noWindow as Error).message).toContain('TumblingWindowInSeconds');
    const empty = await handler({} as never, fakeContext()).catch((e: unknown) => e);
    expect((empty as InvalidEventError).received).toBe('an empty object ({})');
    const sqs = await handler(
      { window: WINDOW, Records: [{ eventSource: 'aws:sqs' }], isFinalInvokeForWindow: false } as never,
      fakeContext(),
    ).catch((e: unknown) => e);
    expect((sqs as InvalidEventError).received).toBe('an SQS event (Records[0].eventSource aws:sqs)');
  });

  it('refuses, as a whole and before the reducer runs, records of several shards or a malformed later record', async () => {
    let reduced = 0;
    const handler = kinesisWindowHandler(
      ({ state }) => {
        reduced++;
        return state;
      },
      { logger: quiet },
    );
    const mixed = windowEvent([{ data: 1 }, { data: 2, shardId: 'shardId-000000000001' }], {});
    const several = await handler(mixed, fakeContext()).catch((e: unknown) => e);
    expect(several).toBeInstanceOf(InvalidEventError);
    expect((several as InvalidEventError).received).toContain('records of 2 shards');
    const malformed = windowEvent([{ data: 1 }, { data: 2 }], {});
    delete (malformed.Records[1] as unknown as { kinesis: { sequenceNumber?: string } }).kinesis.sequenceNumber;
    const error = await handler(malformed, fakeContext()).catch((e: unknown) => e);
    expect((error as InvalidEventError).received).toBe('a Kinesis event whose Records[1] is malformed');
    expect(reduced).toBe(0);
  });

  it('refuses a reducer that is not a function', () => {
    expect(() => kinesisWindowHandler('sum' as never)).toThrow(InvalidOptionError);
  });

  it('logs the window with the batch line', async () => {
    const capture = captureLogger();
    const handler = kinesisWindowHandler(({ state }) => state, { logger: capture.logger });
    await handler(windowEvent([{ data: 1 }], {}, { final: false }), fakeContext());
    expect(capture.lines.find((line) => line.transport === 'kinesis-window')).toMatchObject({
      window: WINDOW,
      count: 1,
      streamAccount: '999900009999',
      isFinalInvokeForWindow: false,
    });
  });
});
