import type { StandardSchemaV1 } from '@standard-schema/spec';
import {
  type BatchResult,
  batchHandler,
  type Codec,
  createLogger,
  kinesisRecords,
  type ProcessBatchOptions,
  processBatch,
  type StreamRecord,
  StreamshareError,
  schema,
} from '@streamshare/core';
import { type BatchInput, type KinesisRecords, type LambdaRecords, lambdaRecords } from '@streamshare/core/internal';
import fc from 'fast-check';
import type { Logger } from 'pino';
import { describe, expect, it } from 'vitest';
import { json } from '../src/codec/json.js';
import { toLambdaKinesisEvent } from '../src/lambda-format/lambda-event.js';
import { hostileThrownValues } from './fixtures/hostile-thrown.js';
import { idOf, records as makeRecords, SHARD, STREAM_ARN, seq } from './fixtures-batch/records.js';

/**
 * Every user callback of processBatch throwing (or rejecting with) every kind of hostile value:
 * processBatch resolves, the result keeps the checkpoint invariant, the record fails with a typed
 * error whose message is readable, and the dead-letter callback gets that error.
 */

const HOSTILE = Object.keys(hostileThrownValues);
const hostile = (name: string): unknown => hostileThrownValues[name]!();
/** The record the callbacks fail on (of 3). */
const TARGET = 1;
const COUNT = 3;

/** A Standard Schema validator that runs `check` on each value. */
function validator(check: (value: unknown) => unknown): StandardSchemaV1 {
  return {
    '~standard': {
      version: 1,
      vendor: 'test',
      validate: (value) => check(value) as StandardSchemaV1.Result<unknown>,
    },
  };
}

const isTarget = (data: unknown) => (data as { i?: number } | undefined)?.i === TARGET;
const isTargetBytes = (data: Uint8Array) => new TextDecoder().decode(data) === JSON.stringify({ i: TARGET });

/** How a callback misbehaves on the target record (or always, for hooks), with what it throws. */
type Sabotage =
  | 'handler throws'
  | 'handler rejects'
  | 'handler returns a hostile thenable'
  | 'batch handler throws'
  | 'batch handler reports the error'
  | 'onRecord throws'
  | 'onBatch throws'
  | 'deadLetter throws'
  | 'deadLetter rejects'
  | 'isRetryable throws'
  | 'schema validator throws'
  | 'async schema validator rejects'
  | 'codec throws'
  | 'async codec rejects'
  | 'logger throws';

const SABOTAGES: Sabotage[] = [
  'handler throws',
  'handler rejects',
  'handler returns a hostile thenable',
  'batch handler throws',
  'batch handler reports the error',
  'onRecord throws',
  'onBatch throws',
  'deadLetter throws',
  'deadLetter rejects',
  'isRetryable throws',
  'schema validator throws',
  'async schema validator rejects',
  'codec throws',
  'async codec rejects',
  'logger throws',
];

/**
 * What the target record is expected to do. A batch handler's failure is never dead-lettered by
 * processBatch (the handler dead-letters what it gives up on): the batch stops there, at the
 * first record when it throws (none done).
 */
type Expect = 'handler-fails' | 'decode-fails' | 'all-done' | 'dead-letter-fails' | 'batch-fails';

function expectationOf(sabotage: Sabotage): Expect {
  if (sabotage.startsWith('onRecord') || sabotage.startsWith('onBatch') || sabotage === 'logger throws')
    return 'all-done';
  if (sabotage.startsWith('batch')) return 'batch-fails';
  if (sabotage.includes('schema') || sabotage.includes('codec')) return 'decode-fails';
  if (sabotage.startsWith('deadLetter')) return 'dead-letter-fails';
  return 'handler-fails';
}

interface Scenario {
  sabotage: Sabotage;
  value: string;
  deadLetter: boolean;
  logger: 'silent' | 'pino' | 'throwing';
  input: 'array' | 'lambda' | 'kinesis';
  concurrency: number;
  attempts: number;
}

/** A pino logger at debug level writing to memory: its lines must all be JSON. */
function memoryLogger(lines: string[]): Logger {
  return createLogger({ level: 'debug', destination: { write: (line: string) => void lines.push(line) } as never });
}

/** A logger whose every method throws the hostile value. */
function throwingLogger(value: string): Logger {
  const raise = () => {
    throw hostile(value);
  };
  return { debug: raise, info: raise, warn: raise, error: raise, trace: raise, fatal: raise } as unknown as Logger;
}

interface Run {
  result: BatchResult;
  handled: number[];
  deadLettered: { i: number | undefined; error: unknown }[];
  lines: string[];
}

async function run(s: Scenario): Promise<Run> {
  const records = makeRecords(COUNT, (i) => `key-${i % 2}`);
  const handled: number[] = [];
  const deadLettered: Run['deadLettered'] = [];
  const lines: string[] = [];
  const throwIt = () => {
    throw hostile(s.value);
  };
  const failOnTarget = (r: StreamRecord<unknown>) => {
    if (isTarget(r.data)) throwIt();
  };
  const options: {
    -readonly [K in keyof ProcessBatchOptions<unknown>]: ProcessBatchOptions<unknown>[K];
  } = {
    concurrency: s.concurrency,
    retry: { attempts: s.attempts, minDelayMs: 0, maxDelayMs: 0 },
    logger: s.logger === 'silent' ? undefined : s.logger === 'pino' ? memoryLogger(lines) : throwingLogger(s.value),
  };
  let codec: Codec<unknown> = json;
  let handler: Parameters<typeof processBatch<unknown>>[1] = (r) => void handled.push(idOf(r));
  // A failure the dead-letter callback then has to take, for the deadLetter sabotages.
  const plainFailure = (r: StreamRecord<unknown>) => {
    if (isTarget(r.data)) throw new Error('plain failure');
    handled.push(idOf(r));
  };
  switch (s.sabotage) {
    case 'handler throws':
      handler = (r) => {
        failOnTarget(r);
        handled.push(idOf(r));
      };
      break;
    case 'handler rejects':
      handler = async (r) => {
        await Promise.resolve();
        failOnTarget(r);
        handled.push(idOf(r));
      };
      break;
    case 'handler returns a hostile thenable':
      handler = (r) => {
        if (isTarget(r.data)) {
          const value = hostile(s.value);
          // A thenable whose then rejects with the value (primitives cannot be thenables).
          // biome-ignore lint/suspicious/noThenProperty: a thenable that is no Promise, on purpose
          return { then: (_ok: unknown, fail: (e: unknown) => void) => fail(value) } as unknown as Promise<void>;
        }
        handled.push(idOf(r));
      };
      break;
    case 'batch handler throws':
      handler = batchHandler((rs) => {
        for (const r of rs) {
          failOnTarget(r);
          handled.push(idOf(r));
        }
      });
      break;
    case 'batch handler reports the error':
      handler = batchHandler((rs) => {
        for (let k = 0; k < rs.length; k++) {
          if (isTarget(rs[k]!.data)) return { done: k, error: hostile(s.value) };
          handled.push(idOf(rs[k]!));
        }
      });
      break;
    case 'onRecord throws':
      options.onRecord = throwIt;
      break;
    case 'onBatch throws':
      options.onBatch = throwIt;
      break;
    case 'deadLetter throws':
    case 'deadLetter rejects':
      handler = plainFailure;
      break;
    case 'isRetryable throws':
      handler = plainFailure;
      options.retry = { ...options.retry, isRetryable: throwIt };
      break;
    case 'schema validator throws':
      codec = schema(validator((v) => (isTarget(v) ? throwIt() : { value: v })));
      break;
    case 'async schema validator rejects':
      codec = schema(validator(async (v) => (isTarget(v) ? throwIt() : { value: v })));
      break;
    case 'codec throws':
      codec = { name: 'custom', decode: (data) => (isTargetBytes(data) ? throwIt() : json.decode(data, records[0]!)) };
      break;
    case 'async codec rejects':
      codec = {
        name: 'custom',
        decode: async (data) => (isTargetBytes(data) ? throwIt() : json.decode(data, records[0]!)),
      };
      break;
    case 'logger throws':
      handler = plainFailure;
      options.logger = throwingLogger(s.value);
      options.retry = { attempts: 2, minDelayMs: 0, maxDelayMs: 0, isRetryable: () => true };
      break;
  }
  options.codec = codec;
  if (s.deadLetter || s.sabotage.startsWith('deadLetter') || s.sabotage === 'logger throws') {
    options.deadLetter = async (record, error) => {
      if (s.sabotage === 'deadLetter throws') throwIt();
      if (s.sabotage === 'deadLetter rejects') {
        await Promise.resolve();
        throwIt();
      }
      const data = record.data;
      const i =
        data instanceof Uint8Array ? (JSON.parse(new TextDecoder().decode(data)) as { i: number }).i : idOf(record);
      deadLettered.push({ i, error });
    };
  }
  const input: readonly BatchInput[] | LambdaRecords | KinesisRecords =
    s.input === 'lambda'
      ? lambdaRecords(toLambdaKinesisEvent(records).Records)
      : s.input === 'kinesis'
        ? kinesisRecords(
            records.map((r) => ({
              SequenceNumber: r.sequenceNumber,
              PartitionKey: r.partitionKey,
              ApproximateArrivalTimestamp: r.approximateArrivalTimestamp,
              Data: r.data,
            })),
            { streamArn: STREAM_ARN, shardId: SHARD },
          )
        : records;
  const result = await processBatch(input, handler, options);
  for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
  return { result, handled, deadLettered, lines };
}

/** A typed, readable error: a StreamshareError whose code and message can be read as strings. */
function expectReadable(error: unknown, code: string, at = TARGET) {
  expect(error).toBeInstanceOf(StreamshareError);
  const e = error as StreamshareError;
  expect(e.code).toBe(code);
  expect(typeof e.message).toBe('string');
  expect(e.message).toContain(`record ${seq(at)}`);
  expect(e.message.length).toBeLessThan(5_000);
}

function check(s: Scenario, r: Run) {
  const expected = expectationOf(s.sabotage);
  const { result } = r;
  if (expected === 'all-done') {
    expect(result).toMatchObject({ failed: undefined, total: COUNT });
    expect(result.checkpoint?.sequenceNumber).toBe(seq(COUNT - 1));
    return;
  }
  const code = expected === 'decode-fails' ? 'DECODE_FAILED' : 'HANDLER_FAILED';
  if (expected === 'batch-fails') {
    const at = s.sabotage === 'batch handler throws' ? 0 : TARGET;
    expect(result.failed?.record.sequenceNumber).toBe(seq(at));
    expect(result.failed?.reason).toBe('handler');
    expectReadable(result.failed?.error, code, at);
    expect(result.checkpoint?.sequenceNumber).toBe(at === 0 ? undefined : seq(at - 1));
    expect(r.deadLettered).toEqual([]);
    return;
  }
  if (expected === 'dead-letter-fails') {
    // The dead-letter callback failed: the record blocks, with its own error and a readable deadLetterError.
    expect(result.failed?.record.sequenceNumber).toBe(seq(TARGET));
    expectReadable(result.failed?.error, code);
    expect(result.failed?.deadLetterError).toBeInstanceOf(Error);
    expect(typeof (result.failed?.deadLetterError as Error | undefined)?.message).toBe('string');
    expect(result.checkpoint?.sequenceNumber).toBe(seq(TARGET - 1));
    return;
  }
  if (s.deadLetter || s.sabotage === 'logger throws') {
    expect(result.failed).toBeUndefined();
    expect(r.deadLettered.map((d) => d.i)).toEqual([TARGET]);
    expectReadable(r.deadLettered[0]!.error, code);
    expect(result.checkpoint?.sequenceNumber).toBe(seq(COUNT - 1));
    expect([...r.handled].sort()).toEqual([0, 2]);
  } else {
    expect(result.failed?.record.sequenceNumber).toBe(seq(TARGET));
    expect(result.failed?.reason).toBe(expected === 'decode-fails' ? 'decode' : 'handler');
    expectReadable(result.failed?.error, code);
    expect(result.checkpoint?.sequenceNumber).toBe(seq(TARGET - 1));
    expect(r.handled).toContain(0);
  }
}

describe('processBatch with every user callback throwing every hostile value', () => {
  it.each(SABOTAGES)(
    '%s: resolves, the record fails with a readable typed error, deadLetter gets it',
    async (sabotage) => {
      for (const value of HOSTILE) {
        for (const deadLetter of [false, true]) {
          const s: Scenario = {
            sabotage,
            value,
            deadLetter,
            logger: 'silent',
            input: 'array',
            concurrency: 1,
            attempts: 1,
          };
          check(s, await run(s));
        }
      }
    },
  );

  it('with any logger, input, concurrency and retries (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          sabotage: fc.constantFrom(...SABOTAGES),
          value: fc.constantFrom(...HOSTILE),
          deadLetter: fc.boolean(),
          logger: fc.constantFrom('silent', 'pino', 'throwing'),
          input: fc.constantFrom('array', 'lambda', 'kinesis'),
          concurrency: fc.constantFrom(1, 3),
          attempts: fc.constantFrom(1, 2),
        }),
        async (s) => {
          check(s as Scenario, await run(s as Scenario));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a pino logger gets readable lines for hostile values (logged again as text when pino cannot serialize them)', async () => {
    const r = await run({
      sabotage: 'handler throws',
      value: 'Proxy whose every trap throws',
      deadLetter: true,
      logger: 'pino',
      input: 'array',
      concurrency: 1,
      attempts: 1,
    });
    const dead = r.lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'record dead-lettered');
    expect(dead).toBeDefined();
    expect(JSON.stringify(dead.err)).toContain('a thrown object that cannot be inspected');
  });
});
