import { batchHandler, FatalError, type RecordContext } from '@streamshare/core';
import {
  BatchFailedError,
  kinesisHandler,
  kinesisWindowHandler,
  ReducerError,
  UnfinishedRecordError,
} from '@streamshare/lambda-adapter';
import type { Context, KinesisStreamTumblingWindowEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RESPONSE_MARGIN_MS } from '../src/options/deadline.js';
import {
  captureLogger,
  fakeContext,
  kinesisEvent,
  kplAggregate,
  quiet,
  type RecordSpec,
  SHARD,
  STREAM_ARN,
  seq,
  sleep,
} from './fixtures.js';

// Real time, no fake timers: each invocation has REMAINING ms left, so the handler must answer
// within about REMAINING - responseMarginMs. The assertions are about outcomes and order; the only
// one about time is that the answer came before Lambda's deadline (the context's remaining time).
const REMAINING = 1_500;
const PENDING = Symbol('still pending at Lambda deadline');

/** A promise that never settles: the handler that hangs. */
const never = () => new Promise<void>(() => undefined);

/**
 * Invokes like Lambda: resolves to the answer and the time left when it came, or to PENDING if the
 * handler had not answered a while after Lambda's deadline (where the old adapter stays).
 */
async function invoke<R>(
  handler: (event: never, context: Context) => Promise<R>,
  event: unknown,
  remaining = REMAINING,
): Promise<{ answer: R | typeof PENDING; left: number }> {
  const context = fakeContext(remaining);
  const pending = sleep(remaining + 1_500).then((): typeof PENDING => PENDING);
  const answer: R | typeof PENDING = await Promise.race<R | typeof PENDING>([
    handler(event as never, context),
    pending,
  ]);
  return { answer, left: context.getRemainingTimeInMillis() };
}

function answered<R>(outcome: { answer: R | typeof PENDING; left: number }): R {
  expect(outcome.answer).not.toBe(PENDING);
  // Answered before Lambda would have timed out.
  expect(outcome.left).toBeGreaterThan(0);
  return outcome.answer as R;
}

describe('kinesisHandler: a handler that never settles', () => {
  it('answers before the deadline with the record in flight as the first failure, everything before it acknowledged', async () => {
    const capture = captureLogger();
    const started: number[] = [];
    const signals: AbortSignal[] = [];
    const handler = kinesisHandler<{ i: number }>(
      (record, context: RecordContext) => {
        started.push(record.data.i);
        if (record.data.i === 2) {
          signals.push(context.signal);
          return never();
        }
      },
      { codec: 'json', logger: capture.logger },
    );
    const event = kinesisEvent([0, 1, 2, 3, 4].map((i) => ({ data: { i } })));
    const response = answered(await invoke(handler, event));
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: seq(2) }] });
    expect(started).toEqual([0, 1, 2]);
    // The batch is abandoned: the hung handler is told (its signal aborted at the batch deadline,
    // deadlineMarginMs before the end, at the latest when the handler answers), and no record starts
    // after the answer.
    expect(signals[0]!.aborted).toBe(true);
    await sleep(100);
    expect(started).toEqual([0, 1, 2]);
    const line = capture.lines.find((l) => l.transport === 'kinesis');
    expect(line).toMatchObject({
      level: 40,
      failedRecord: { sequenceNumber: seq(2), reason: 'deadline', code: 'RECORD_UNFINISHED' },
    });
    expect(String((line!.failedRecord as { error: string }).error)).toContain('at least once');
  });

  it('uses a default answer margin of 500 ms, and takes another one', async () => {
    expect(DEFAULT_RESPONSE_MARGIN_MS).toBe(500);
    const handler = kinesisHandler(never, { logger: quiet, responseMarginMs: 900, deadlineMarginMs: 1_000 });
    const outcome = await invoke(handler, kinesisEvent([{ data: 1 }]));
    expect(answered(outcome)).toEqual({ batchItemFailures: [{ itemIdentifier: seq(0) }] });
    // Answered about 900 ms before the end: well before the default margin would have.
    expect(outcome.left).toBeGreaterThan(DEFAULT_RESPONSE_MARGIN_MS);
  });

  it("reports a KPL user record that never settles by its aggregate's sequence number", async () => {
    const aggregate = await kplAggregate([
      { key: 'u', data: { u: 0 } },
      { key: 'u', data: { u: 1 } },
      { key: 'u', data: { u: 2 } },
    ]);
    const seen: unknown[] = [];
    const handler = kinesisHandler<{ u?: number; p?: number }>(
      (record) => {
        seen.push(record.data);
        if (record.data.u === 1) return never();
      },
      { codec: 'json', logger: quiet },
    );
    const event = kinesisEvent([{ data: { p: 0 } }, { data: aggregate }, { data: { p: 2 } }]);
    expect(answered(await invoke(handler, event))).toEqual({ batchItemFailures: [{ itemIdentifier: seq(1) }] });
    expect(seen).toEqual([{ p: 0 }, { u: 0 }, { u: 1 }]);
  });

  it('with concurrency, reports the low-water mark: the hung record, the other keys done past it', async () => {
    const done: number[] = [];
    const handler = kinesisHandler<{ i: number }>(
      async (record) => {
        if (record.data.i === 1) return never();
        await sleep(5);
        done.push(record.data.i);
      },
      { codec: 'json', logger: quiet, concurrency: 2 },
    );
    // Keys: 0 a, 1 b (hangs), 2 a, 3 a, 4 b (waits behind 1), 5 a.
    const keys = ['a', 'b', 'a', 'a', 'b', 'a'];
    const event = kinesisEvent(keys.map((key, i) => ({ data: { i }, key })));
    expect(answered(await invoke(handler, event))).toEqual({ batchItemFailures: [{ itemIdentifier: seq(1) }] });
    expect(done.sort()).toEqual([0, 2, 3, 5]);
  });

  it('with concurrency, a record waiting behind a hung one of its key is not reported before the hung one', async () => {
    const handler = kinesisHandler<{ i: number }>(
      (record) => {
        if (record.data.i === 0) return never();
      },
      { codec: 'json', logger: quiet, concurrency: 3 },
    );
    const keys = ['a', 'b', 'a', 'c', 'b'];
    const event = kinesisEvent(keys.map((key, i) => ({ data: { i }, key })));
    expect(answered(await invoke(handler, event))).toEqual({ batchItemFailures: [{ itemIdentifier: seq(0) }] });
  });

  it('with concurrency, counts every user record of an aggregate before acknowledging it', async () => {
    const aggregate = await kplAggregate([
      { key: 'a', data: { u: 0 } },
      { key: 'b', data: { u: 1 } },
      { key: 'c', data: { u: 2 } },
    ]);
    const hangOn = (u: number | undefined, p: number | undefined) =>
      kinesisHandler<{ u?: number; p?: number }>(
        (record) => {
          if ((u !== undefined && record.data.u === u) || (p !== undefined && record.data.p === p)) return never();
        },
        { codec: 'json', logger: quiet, concurrency: 2 },
      );
    const event = () => kinesisEvent([{ data: { p: 0 }, key: 'a' }, { data: aggregate }, { data: { p: 2 }, key: 'b' }]);
    // A user record of the aggregate hangs: the aggregate is reported.
    expect(answered(await invoke(hangOn(2, undefined), event()))).toEqual({
      batchItemFailures: [{ itemIdentifier: seq(1) }],
    });
    // Every user record done, the record after it hangs: that one is reported.
    expect(answered(await invoke(hangOn(undefined, 2), event()))).toEqual({
      batchItemFailures: [{ itemIdentifier: seq(2) }],
    });
  });

  it('a batch handler that never settles: its first record is reported', async () => {
    const handler = kinesisHandler(
      batchHandler(() => never()),
      { logger: quiet },
    );
    expect(answered(await invoke(handler, kinesisEvent([{ data: 1 }, { data: 2 }])))).toEqual({
      batchItemFailures: [{ itemIdentifier: seq(0) }],
    });
  });

  it('a dead-letter callback that never settles: its record is reported', async () => {
    const handler = kinesisHandler<{ i: number }>(
      (record) => {
        if (record.data.i === 1) throw new FatalError('poison');
      },
      { codec: 'json', logger: quiet, deadLetter: never },
    );
    const event = kinesisEvent([0, 1, 2].map((i) => ({ data: { i } })));
    expect(answered(await invoke(handler, event))).toEqual({ batchItemFailures: [{ itemIdentifier: seq(1) }] });
  });

  it('throws a BatchFailedError naming the record in flight with reportBatchItemFailures false', async () => {
    const handler = kinesisHandler(never, { logger: quiet, reportBatchItemFailures: false });
    const outcome = await invoke(
      (event, context) => handler(event, context).catch((error: unknown) => error),
      kinesisEvent([{ data: 1 }]),
    );
    const error = answered(outcome);
    expect(error).toBeInstanceOf(BatchFailedError);
    expect((error as BatchFailedError).record.sequenceNumber).toBe(seq(0));
    expect((error as BatchFailedError).cause).toBeInstanceOf(UnfinishedRecordError);
  });

  it('two invocations of one handler at once (the poller, two shards): each reports its own record in flight', async () => {
    const handler = kinesisHandler<{ i: number }>(
      (record) => {
        if (record.shardId === 'shardId-000000000000' && record.data.i === 2) return never();
        if (record.shardId === 'shardId-000000000001' && record.data.i === 1) return never();
        return sleep(1).then(() => undefined);
      },
      { codec: 'json', logger: quiet },
    );
    const shard = (shardId: string) => kinesisEvent([0, 1, 2, 3].map((i) => ({ data: { i }, shardId })));
    const [first, second] = await Promise.all([
      invoke(handler, shard('shardId-000000000000')),
      invoke(handler, shard('shardId-000000000001')),
    ]);
    expect(answered(first)).toEqual({ batchItemFailures: [{ itemIdentifier: seq(2) }] });
    expect(answered(second)).toEqual({ batchItemFailures: [{ itemIdentifier: seq(1) }] });
    // The next invocation of the same handler is not confused by the abandoned walks.
    const third = await invoke(handler, shard('shardId-000000000000'));
    expect(answered(third)).toEqual({ batchItemFailures: [{ itemIdentifier: seq(2) }] });
  });

  it('a hung handler that fails after the answer changes nothing (no unhandled rejection)', async () => {
    const handler = kinesisHandler(
      async () => {
        await sleep(REMAINING);
        throw new Error('too late');
      },
      { logger: quiet },
    );
    expect(answered(await invoke(handler, kinesisEvent([{ data: 1 }])))).toEqual({
      batchItemFailures: [{ itemIdentifier: seq(0) }],
    });
    await sleep(600);
  });
});

const WINDOW = { start: '2024-02-28T06:15:00Z', end: '2024-02-28T06:16:00Z' };

function windowEvent(specs: RecordSpec[], state: Record<string, unknown>): KinesisStreamTumblingWindowEvent {
  return {
    ...kinesisEvent(specs),
    window: WINDOW,
    state,
    shardId: SHARD,
    eventSourceARN: STREAM_ARN,
    isFinalInvokeForWindow: specs.length === 0,
    isWindowTerminatedEarly: false,
  } as KinesisStreamTumblingWindowEvent;
}

describe('kinesisWindowHandler: a reducer that never settles', () => {
  it('answers before the deadline; the state does not advance past the unfinished records', async () => {
    const capture = captureLogger();
    const handler = kinesisWindowHandler<{ n: number }>(
      ({ state }) => {
        state.n += 1; // changed in place, then never settles
        return never() as never;
      },
      { logger: capture.logger },
    );
    const response = answered(await invoke(handler, windowEvent([{ data: 1 }, { data: 2 }], { n: 7 })));
    expect(response).toEqual({ state: { n: 7 }, batchItemFailures: [{ itemIdentifier: seq(0) }] });
    expect(capture.lines.find((l) => l.transport === 'kinesis-window')).toMatchObject({
      failedRecord: { sequenceNumber: seq(0), code: 'REDUCER_UNFINISHED' },
    });
  });

  it('throws a REDUCER_UNFINISHED ReducerError on the final invocation (no records), before the deadline', async () => {
    const handler = kinesisWindowHandler(() => never() as never, { logger: quiet });
    const outcome = await invoke(
      (event, context) => handler(event, context).catch((error: unknown) => error),
      windowEvent([], { n: 7 }),
    );
    const error = answered(outcome);
    expect(error).toBeInstanceOf(ReducerError);
    expect((error as ReducerError).code).toBe('REDUCER_UNFINISHED');
  });

  it('a dead-letter callback that never settles: the first record is reported, the state kept', async () => {
    let reduced = 0;
    const handler = kinesisWindowHandler(
      ({ state }) => {
        reduced++;
        return state;
      },
      { logger: quiet, codec: 'json', deadLetter: never },
    );
    const event = windowEvent([{ data: { v: 1 } }, { rawData: 'not base64!' }, { data: { v: 3 } }], { n: 7 });
    const response = answered(await invoke(handler, event));
    expect(response).toEqual({ state: { n: 7 }, batchItemFailures: [{ itemIdentifier: seq(0) }] });
    expect(reduced).toBe(0);
  });
});
