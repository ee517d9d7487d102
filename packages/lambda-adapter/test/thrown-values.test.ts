import { batchHandler } from '@streamshare/core';
import {
  BatchFailedError,
  InvalidOptionError,
  kinesisHandler,
  kinesisWindowHandler,
  ReducerError,
} from '@streamshare/lambda-adapter';
import type { KinesisStreamTumblingWindowEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { hostileThrownValues } from '../../core/test/fixtures/hostile-thrown.js';
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

const hostile = Object.entries(hostileThrownValues);

/** The adapter's batch line (the one with `transport`) of a captured log. */
function batchLine(lines: Record<string, unknown>[]): Record<string, unknown> {
  const line = lines.find((l) => l.transport !== undefined);
  expect(line).toBeDefined();
  return line!;
}

describe('kinesisHandler: any value a handler throws fails its record', () => {
  for (const [name, make] of hostile) {
    it(`${name}: the records before it are done, it is reported, one log line says so`, async () => {
      const capture = captureLogger();
      const seen: number[] = [];
      const handler = kinesisHandler<{ i: number }>(
        (record) => {
          if (record.data.i === 2) throw make();
          seen.push(record.data.i);
        },
        { codec: 'json', logger: capture.logger },
      );
      const event = kinesisEvent([0, 1, 2, 3].map((i) => ({ data: { i } })));
      await expect(handler(event, fakeContext())).resolves.toEqual({
        batchItemFailures: [{ itemIdentifier: seq(2) }],
      });
      expect(seen).toEqual([0, 1]);
      const line = batchLine(capture.lines);
      expect(line.level).toBe(40);
      expect(line.failedRecord).toMatchObject({ sequenceNumber: seq(2) });
      expect(typeof (line.failedRecord as { error: unknown }).error).toBe('string');
    });
  }

  it('with concurrency, a thrown null-prototype object fails its record; the earliest record not done is reported', async () => {
    const handler = kinesisHandler<{ i: number }>(
      (record) => {
        if (record.data.i === 1) throw Object.create(null);
      },
      { codec: 'json', logger: quiet, concurrency: 2 },
    );
    const specs: RecordSpec[] = [0, 1, 2, 3].map((i) => ({ data: { i }, key: i % 2 === 0 ? 'even' : 'odd' }));
    await expect(handler(kinesisEvent(specs), fakeContext())).resolves.toEqual({
      batchItemFailures: [{ itemIdentifier: seq(1) }],
    });
  });

  it('a batch handler that throws a Proxy fails the batch at its first record', async () => {
    const handler = kinesisHandler(
      batchHandler(() => {
        throw hostileThrownValues['Proxy whose every trap throws']!();
      }),
      { logger: quiet },
    );
    await expect(handler(kinesisEvent([{ data: 1 }, { data: 2 }]), fakeContext())).resolves.toEqual({
      batchItemFailures: [{ itemIdentifier: seq(0) }],
    });
  });

  it('with reportBatchItemFailures false, a BatchFailedError whose message could be written', async () => {
    const handler = kinesisHandler(
      () => {
        throw hostileThrownValues['object whose toString throws']!();
      },
      { logger: quiet, reportBatchItemFailures: false },
    );
    const error = await handler(kinesisEvent([{ data: 1 }]), fakeContext()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BatchFailedError);
    expect((error as BatchFailedError).record.sequenceNumber).toBe(seq(0));
    expect(typeof (error as Error).message).toBe('string');
  });

  it('a dead-letter callback that throws a revoked Proxy blocks on the record, without a raw TypeError', async () => {
    const handler = kinesisHandler<{ i: number }>(
      (record) => {
        if (record.data.i === 1) throw new Error('poison');
      },
      {
        codec: 'json',
        logger: quiet,
        retry: { attempts: 1 },
        deadLetter: () => {
          throw hostileThrownValues['revoked Proxy']!();
        },
      },
    );
    await expect(handler(kinesisEvent([0, 1, 2].map((i) => ({ data: { i } }))), fakeContext())).resolves.toEqual({
      batchItemFailures: [{ itemIdentifier: seq(1) }],
    });
  });

  it('refuses an option holding a null-prototype object with an InvalidOptionError, not a TypeError', () => {
    expect(() => kinesisHandler(() => undefined, { deadlineMarginMs: Object.create(null) })).toThrow(
      InvalidOptionError,
    );
    expect(() => kinesisHandler(() => undefined, { responseMarginMs: -1 })).toThrow(/responseMarginMs/);
    expect(() => kinesisHandler(() => undefined, { concurrency: 0 })).toThrow(/concurrency should be an integer/);
    expect(() => kinesisHandler(() => undefined, { retry: { attempts: 0 } })).toThrow(/retry\.attempts/);
    expect(() => kinesisHandler({ kind: 'batch' } as never)).toThrow(InvalidOptionError);
  });
});

const WINDOW = { start: '2024-02-28T06:15:00Z', end: '2024-02-28T06:16:00Z' };

function windowEvent(
  specs: RecordSpec[],
  state: Record<string, unknown> | undefined,
): KinesisStreamTumblingWindowEvent {
  return {
    ...kinesisEvent(specs),
    window: WINDOW,
    ...(state === undefined ? {} : { state }),
    shardId: SHARD,
    eventSourceARN: STREAM_ARN,
    isFinalInvokeForWindow: false,
    isWindowTerminatedEarly: false,
  } as KinesisStreamTumblingWindowEvent;
}

describe('kinesisWindowHandler: a reducer that throws anything, or returns what Lambda cannot send', () => {
  for (const [name, make] of hostile) {
    it(`throws ${name}: REDUCER_FAILED, the first record reported, the state Lambda sent returned`, async () => {
      const capture = captureLogger();
      const handler = kinesisWindowHandler(
        () => {
          throw make();
        },
        { logger: capture.logger },
      );
      const response = await handler(windowEvent([{ data: 1 }, { data: 2 }], { n: 7 }), fakeContext());
      expect(response).toEqual({ state: { n: 7 }, batchItemFailures: [{ itemIdentifier: seq(0) }] });
      expect(batchLine(capture.lines).failedRecord).toMatchObject({ code: 'REDUCER_FAILED', sequenceNumber: seq(0) });
      // Without records (the final invocation) the ReducerError is thrown, for Lambda to retry.
      const error = await handler(windowEvent([], { n: 7 }), fakeContext()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ReducerError);
      expect((error as ReducerError).code).toBe('REDUCER_FAILED');
    });
  }

  const cyclic = () => {
    const state: Record<string, unknown> = { n: 1 };
    state.self = state;
    return state;
  };
  const invalidStates: [string, () => unknown][] = [
    ['a cyclic state', cyclic],
    ['a state holding a BigInt', () => ({ n: 10n })],
    ['undefined', () => undefined],
    ['an array', () => [1, 2]],
    ['a number', () => 42],
    [
      'a state whose toJSON throws',
      () => ({
        toJSON() {
          throw new Error('no JSON for you');
        },
      }),
    ],
    ['a Proxy whose traps throw', hostileThrownValues['Proxy whose every trap throws']!],
    ['a revoked Proxy', hostileThrownValues['revoked Proxy']!],
    ['a promise of a cyclic state', () => Promise.resolve(cyclic())],
  ];
  for (const [name, make] of invalidStates) {
    it(`returns ${name}: REDUCER_STATE_INVALID, and a response Lambda can send`, async () => {
      const capture = captureLogger();
      const handler = kinesisWindowHandler(() => make() as never, { logger: capture.logger });
      const response = await handler(windowEvent([{ data: 1 }], { n: 7 }), fakeContext());
      expect(response).toEqual({ state: { n: 7 }, batchItemFailures: [{ itemIdentifier: seq(0) }] });
      expect(() => JSON.stringify(response)).not.toThrow();
      expect(batchLine(capture.lines).failedRecord).toMatchObject({ code: 'REDUCER_STATE_INVALID' });
      const error = await handler(windowEvent([], { n: 7 }), fakeContext()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ReducerError);
      expect((error as ReducerError).code).toBe('REDUCER_STATE_INVALID');
    });
  }

  it('returns the state Lambda sent even when the reducer changed it in place before throwing', async () => {
    const handler = kinesisWindowHandler<{ n: number }>(
      ({ state }) => {
        state.n += 100;
        throw new Error('after a change in place');
      },
      { logger: quiet },
    );
    const response = await handler(windowEvent([{ data: 1 }], { n: 7 }), fakeContext());
    expect(response.state).toEqual({ n: 7 });
  });

  it('an initialState that throws is a REDUCER_FAILED too', async () => {
    const handler = kinesisWindowHandler(({ state }) => state, {
      logger: quiet,
      initialState: () => {
        throw Object.create(null);
      },
    });
    const response = await handler(windowEvent([{ data: 1 }], undefined), fakeContext());
    expect(response).toEqual({ state: {}, batchItemFailures: [{ itemIdentifier: seq(0) }] });
  });
});
