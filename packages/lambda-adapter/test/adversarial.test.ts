// The adversarial suite of the Lambda adapter: events malformed every way fast-check can think of
// (a wrong type at every field, fields missing, huge strings, KPL aggregates), handlers that throw
// any value or never settle, reducers that return anything. One property for all of it:
// kinesisHandler resolves with a valid partial batch response (no item, or one naming a sequence
// number of the event, every record before it done) or throws a typed InvalidEventError; never a
// raw TypeError, never a response Lambda would misread.
import { Writable } from 'node:stream';
import { createLogger, RetryableError, type StreamRecord } from '@streamshare/core';
import {
  InvalidEventError,
  type KinesisHandlerOptions,
  kinesisHandler,
  kinesisWindowHandler,
  ReducerError,
} from '@streamshare/lambda-adapter';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { hostileThrownValues } from '../../core/test/fixtures/hostile-thrown.js';
import { fakeContext, kinesisEvent, kplAggregate, type RecordSpec, SHARD, STREAM_ARN, sleep } from './fixtures.js';

/** A logger that serializes every line (as in Lambda) and throws it away. */
const devNull = createLogger({
  level: 'debug',
  destination: new Writable({
    write(_chunk, _encoding, callback) {
      callback();
    },
  }) as never,
});

/** Runs of each property (ADVERSARIAL_RUNS to search longer). */
const RUNS = Number(process.env.ADVERSARIAL_RUNS ?? 250);

const SEQUENCE_NUMBER = /^(?:0|[1-9][0-9]{0,128})$/;
const HUGE = 'x'.repeat(1_000_000);
const hostileNames = Object.keys(hostileThrownValues);

/** What a mutation may put in a field: values of every type, JSON and not. */
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.anything({ maxDepth: 2, withNullPrototype: true, withBigInt: true, withBoxedValues: true, withMap: true }),
  fc.string({ maxLength: 40 }),
  fc.constantFrom('', 'ABC', '007', '0', '-1', '1e5', '1'.repeat(130), HUGE, 'not base64!', '84mawgZ', 'aws:sqs'),
  fc.constantFrom(
    'arn:aws:sqs:us-east-1:111122223333:q',
    'arn:aws:kinesis:us-east-1:999900009999:stream/other',
    'shardId-000000000001:1',
  ),
  fc.integer(),
  fc.double(),
  fc.constantFrom(undefined, null, true, [], {}, Number.NaN, Number.POSITIVE_INFINITY),
);

const FIELDS = [
  '',
  'kinesis',
  'kinesis.data',
  'kinesis.partitionKey',
  'kinesis.sequenceNumber',
  'kinesis.approximateArrivalTimestamp',
  'kinesis.encryptionType',
  'eventID',
  'eventSourceARN',
  'eventSource',
  'awsRegion',
  'invokeIdentityArn',
] as const;

interface Mutation {
  readonly index: number;
  readonly field: (typeof FIELDS)[number];
  readonly remove: boolean;
  readonly value: unknown;
}

const mutation: fc.Arbitrary<Mutation> = fc.record({
  index: fc.nat({ max: 7 }),
  field: fc.constantFrom(...FIELDS),
  remove: fc.boolean(),
  value: anyValue,
});

/** Applies a mutation to a record of the event (replacing the record itself for field ''). */
function mutate(records: unknown[], m: Mutation): void {
  if (records.length === 0) return;
  const index = m.index % records.length;
  if (m.field === '') {
    records[index] = m.value;
    return;
  }
  const path = m.field.split('.');
  let target = records[index] as Record<string, unknown> | undefined;
  for (const key of path.slice(0, -1)) {
    const next = target?.[key];
    if (typeof next !== 'object' || next === null) return;
    // A copy: records may share objects after earlier mutations.
    target![key] = { ...(next as object) };
    target = target![key] as Record<string, unknown>;
  }
  if (typeof target !== 'object' || target === null) return;
  const last = path[path.length - 1]!;
  if (m.remove) delete target[last];
  else target[last] = m.value;
}

type Behaviour = 'ok' | 'error' | 'retryable' | 'hostile';

interface Scenario {
  readonly keys: string[];
  readonly aggregates: boolean[];
  readonly mutations: Mutation[];
  readonly behaviours: Behaviour[];
  readonly hostile: string[];
  readonly concurrency: 1 | 2;
  readonly deadLetter: boolean;
}

const scenario: fc.Arbitrary<Scenario> = fc.integer({ min: 0, max: 7 }).chain((n) =>
  fc.record({
    keys: fc.array(fc.constantFrom('a', 'b', 'c'), { minLength: n, maxLength: n }),
    aggregates: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
    mutations: fc.array(mutation, { maxLength: 3 }),
    behaviours: fc.array(fc.constantFrom<Behaviour>('ok', 'ok', 'ok', 'error', 'retryable', 'hostile'), {
      minLength: 16,
      maxLength: 16,
    }),
    hostile: fc.array(fc.constantFrom(...hostileNames), { minLength: 16, maxLength: 16 }),
    concurrency: fc.constantFrom<1 | 2>(1, 2),
    deadLetter: fc.boolean(),
  }),
);

let AGGREGATE: Buffer = Buffer.alloc(0);
beforeAll(async () => {
  AGGREGATE = await kplAggregate([
    { key: 'u', data: { u: 0 } },
    { key: 'v', data: { u: 1 } },
  ]);
});

/** Sequence number of a record as the event holds it ('' when it is not a string). */
function rawSequenceNumber(record: unknown): string {
  try {
    const value = (record as { kinesis?: { sequenceNumber?: unknown } } | null | undefined)?.kinesis?.sequenceNumber;
    return typeof value === 'string' ? value : '';
  } catch {
    return '';
  }
}

function rawData(record: unknown): unknown {
  try {
    return (record as { kinesis?: { data?: unknown } } | null | undefined)?.kinesis?.data;
  } catch {
    return undefined;
  }
}

/**
 * Checks the answer of kinesisHandler against what the handler and the dead-letter callback saw:
 * a response naming nothing, or one sequence number of the event; every record before it done.
 */
function checkAnswer(
  outcome: { ok: true; value: unknown } | { ok: false; error: unknown },
  records: unknown[],
  done: Map<string, number>,
  deadWhole: Set<string>,
  aggregateData: string,
): void {
  if (!outcome.ok) {
    expect(outcome.error).toBeInstanceOf(InvalidEventError);
    expect((outcome.error as InvalidEventError).code).toBe('INVALID_EVENT');
    return;
  }
  const response = outcome.value as { batchItemFailures: { itemIdentifier: unknown }[] };
  expect(Object.keys(response)).toEqual(['batchItemFailures']);
  expect(Array.isArray(response.batchItemFailures)).toBe(true);
  expect(response.batchItemFailures.length).toBeLessThanOrEqual(1);
  const sequenceNumbers = records.map(rawSequenceNumber);
  let end = records.length;
  if (response.batchItemFailures.length === 1) {
    const item = response.batchItemFailures[0]!;
    expect(Object.keys(item)).toEqual(['itemIdentifier']);
    expect(item.itemIdentifier).toMatch(SEQUENCE_NUMBER);
    end = sequenceNumbers.indexOf(item.itemIdentifier as string);
    expect(end).toBeGreaterThanOrEqual(0);
  }
  // Every record before the one reported (all of them, when none is) is done: its user records
  // handled or dead-lettered. Only told apart when the event's sequence numbers are distinct.
  if (new Set(sequenceNumbers).size !== sequenceNumbers.length) return;
  for (let i = 0; i < end; i++) {
    // An aggregate is done when both its user records are; a malformed one fails (or is dead-lettered) whole.
    const needed = rawData(records[i]) === aggregateData && !deadWhole.has(sequenceNumbers[i]!) ? 2 : 1;
    expect(done.get(sequenceNumbers[i]!) ?? 0, `record ${i} acknowledged but not done`).toBeGreaterThanOrEqual(needed);
  }
}

describe('kinesisHandler: adversarial events and handlers (property)', () => {
  it('answers a valid partial batch response or a typed InvalidEventError, for any event and thrown value', async () => {
    const aggregateData = AGGREGATE.toString('base64');
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const specs: RecordSpec[] = s.keys.map((key, i) =>
          s.aggregates[i] ? { data: AGGREGATE, key } : { data: { i }, key },
        );
        const event = kinesisEvent(specs) as { Records: unknown[] };
        for (const m of s.mutations) mutate(event.Records, m);
        const records = [...event.Records];
        const done = new Map<string, number>();
        const deadWhole = new Set<string>();
        const count = (record: StreamRecord<unknown>) =>
          done.set(record.sequenceNumber, (done.get(record.sequenceNumber) ?? 0) + 1);
        let calls = 0;
        const options: KinesisHandlerOptions = {
          logger: devNull,
          concurrency: s.concurrency,
          retry: { attempts: 2, minDelayMs: 0, maxDelayMs: 1 },
          ...(s.deadLetter
            ? {
                deadLetter: async (record: StreamRecord<unknown>) => {
                  if (record.subSequenceNumber === undefined) deadWhole.add(record.sequenceNumber);
                  count(record);
                },
              }
            : {}),
        };
        const handler = kinesisHandler((record) => {
          const k = calls++ % 16;
          const behaviour = s.behaviours[k]!;
          if (behaviour === 'error') throw new Error('handler error');
          if (behaviour === 'retryable') throw new RetryableError('try again');
          if (behaviour === 'hostile') throw hostileThrownValues[s.hostile[k]!]!();
          count(record);
        }, options);
        const outcome = await handler(event as never, fakeContext()).then(
          (value) => ({ ok: true as const, value }),
          (error: unknown) => ({ ok: false as const, error }),
        );
        checkAnswer(outcome, records, done, deadWhole, aggregateData);
      }),
      { numRuns: RUNS },
    );
  }, 120_000);

  it('refuses with an InvalidEventError anything that is not a Kinesis event', async () => {
    const handler = kinesisHandler(() => undefined, { logger: devNull });
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          anyValue,
          fc.record({ Records: anyValue }),
          fc.record({ Records: fc.array(anyValue, { minLength: 1, maxLength: 3 }) }),
        ),
        async (event) => {
          const outcome = await handler(event as never, fakeContext()).then(
            (value) => ({ ok: true as const, value }),
            (error: unknown) => ({ ok: false as const, error }),
          );
          if (outcome.ok) {
            // Only an event without records (or with records that happen to be valid) is answered.
            expect(outcome.value).toEqual({ batchItemFailures: [] });
          } else {
            expect(outcome.error).toBeInstanceOf(InvalidEventError);
          }
        },
      ),
      { numRuns: RUNS },
    );
  }, 60_000);
});

describe('kinesisWindowHandler: adversarial reducers (property)', () => {
  it('answers with a state Lambda can send, or a typed error, whatever the reducer returns or throws', async () => {
    await fc.assert(
      fc.asyncProperty(
        anyValue,
        fc.constantFrom('return', 'throw', 'resolve', 'reject'),
        fc.integer({ min: 0, max: 3 }),
        async (value, how, n) => {
          const handler = kinesisWindowHandler(
            () => {
              if (how === 'throw') throw value;
              if (how === 'resolve') return Promise.resolve(value) as never;
              if (how === 'reject') return Promise.reject(value) as never;
              return value as never;
            },
            { logger: devNull },
          );
          const event = {
            ...kinesisEvent(Array.from({ length: n }, (_, i) => ({ data: { i } }))),
            window: { start: '2024-02-28T06:15:00Z', end: '2024-02-28T06:16:00Z' },
            state: { sum: 7 },
            shardId: SHARD,
            eventSourceARN: STREAM_ARN,
            isFinalInvokeForWindow: n === 0,
            isWindowTerminatedEarly: false,
          };
          const outcome = await handler(event as never, fakeContext()).then(
            (response) => ({ ok: true as const, response }),
            (error: unknown) => ({ ok: false as const, error }),
          );
          if (!outcome.ok) {
            expect(n).toBe(0);
            expect(outcome.error).toBeInstanceOf(ReducerError);
            return;
          }
          const text = JSON.stringify(outcome.response);
          const sent = JSON.parse(text) as { state: unknown; batchItemFailures: { itemIdentifier: string }[] };
          expect(typeof sent.state).toBe('object');
          expect(Array.isArray(sent.state)).toBe(false);
          expect(sent.state).not.toBeNull();
          if (sent.batchItemFailures.length > 0) {
            expect(sent.state).toEqual({ sum: 7 });
            expect(sent.batchItemFailures).toEqual([{ itemIdentifier: event.Records[0]!.kinesis.sequenceNumber }]);
          }
        },
      ),
      { numRuns: RUNS },
    );
  }, 60_000);
});

describe('kinesisHandler: a hanging handler (property, real time)', () => {
  it('answers before the deadline with the hung record first not done, with or without concurrency', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom('a', 'b', 'c'), { minLength: 1, maxLength: 6 }),
        fc.nat(),
        fc.constantFrom(1, 2, 3),
        async (keys, at, concurrency) => {
          const hang = at % keys.length;
          const handler = kinesisHandler<{ i: number }>(
            async (record) => {
              if (record.data.i === hang) await new Promise(() => undefined);
              await sleep(1);
            },
            { codec: 'json', logger: devNull, concurrency, deadlineMarginMs: 800, responseMarginMs: 500 },
          );
          const event = kinesisEvent(keys.map((key, i) => ({ data: { i }, key })));
          const context = fakeContext(1_200);
          const response = await Promise.race([handler(event, context), sleep(3_000).then(() => 'pending')]);
          expect(response).not.toBe('pending');
          expect(context.getRemainingTimeInMillis()).toBeGreaterThan(0);
          expect(response).toEqual({
            batchItemFailures: [{ itemIdentifier: event.Records[hang]!.kinesis.sequenceNumber }],
          });
        },
      ),
      { numRuns: 4 },
    );
  }, 60_000);
});
