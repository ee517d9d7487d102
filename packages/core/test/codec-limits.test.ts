import { deflateSync, gzipSync } from 'node:zlib';
import {
  type Codec,
  DecodeError,
  type DecodeLimits,
  InvalidInputError,
  kinesisRecords,
  processBatch,
  type StreamRecord,
  schema,
  withDecodeLimits,
} from '@streamshare/core';
import { lambdaRecords } from '@streamshare/core/internal';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { auto } from '../src/codec/auto.js';
import { bytes } from '../src/codec/bytes.js';
import { cloudWatchLogs } from '../src/codec/cloudwatch-logs.js';
import { decodeRecord } from '../src/codec/decode-record.js';
import { gunzip, gzip } from '../src/codec/gzip.js';
import { json } from '../src/codec/json.js';
import { countJsonContainers } from '../src/codec/json-containers.js';
import { DEFAULT_MAX_JSON_CONTAINERS, DEFAULT_MAX_OUTPUT_LENGTH, DecodeLimitError } from '../src/codec/limits.js';
import { text } from '../src/codec/text.js';
import { toLambdaKinesisEvent } from '../src/lambda-format/lambda-event.js';
import { dataMessage } from './fixtures/cloudwatch-logs.js';
import { kinesisRecord } from './fixtures/kpl.js';

const enc = new TextEncoder();
const bytesOf = (s: string) => enc.encode(s);

/** Decodes one record; the DecodeError it fails with, or undefined. */
function decodeFailure(data: Uint8Array, codec: Codec<unknown>, limits?: DecodeLimits): DecodeError | undefined {
  try {
    const decoded = decodeRecord(kinesisRecord(data), codec, limits);
    expect(decoded).not.toBeInstanceOf(Promise);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(DecodeError);
    return error as DecodeError;
  }
}

function expectLimit(error: DecodeError | undefined, limit: 'maxOutputLength' | 'maxJsonContainers', value: number) {
  expect(error).toBeInstanceOf(DecodeError);
  const cause = (error as DecodeError).cause;
  expect(cause).toBeInstanceOf(DecodeLimitError);
  expect(cause).toMatchObject({ code: 'DECODE_LIMIT_EXCEEDED', limit, value });
  expect((error as DecodeError).message).toContain(`decode limit ${limit} is ${value}`);
  expect((error as DecodeError).message).toContain(`withDecodeLimits(codec, { ${limit}: ... })`);
}

/** Objects and arrays in a parsed JSON value. */
function containersIn(value: unknown): number {
  if (Array.isArray(value)) return 1 + value.reduce((n: number, v) => n + containersIn(v), 0);
  if (typeof value === 'object' && value !== null) {
    return 1 + Object.values(value).reduce((n: number, v) => n + containersIn(v), 0);
  }
  return 0;
}

describe('countJsonContainers', () => {
  it('counts exactly the objects and arrays of any JSON (braces in strings, escapes and non-ASCII skipped)', () => {
    const tricky = fc.string({ unit: fc.constantFrom('{', '[', '"', '\\', 'é', '😀', 'a', '}', ']') });
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        tricky,
        fc.integer(),
        fc.constant(null),
        fc.array(tie('node'), { maxLength: 5 }),
        fc.dictionary(tricky, tie('node'), { maxKeys: 5 }),
      ),
    })).node;
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), value), fc.boolean(), (v, pretty) => {
        const source = bytesOf(JSON.stringify(v, null, pretty ? 2 : undefined) ?? 'null');
        const expected = containersIn(v);
        expect(countJsonContainers(source, Number.MAX_SAFE_INTEGER)).toBe(expected);
        // It stops one past the limit.
        if (expected > 0) expect(countJsonContainers(source, expected - 1)).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });
});

describe('decode limits', () => {
  it('defaults: 16 MiB inflated, one million JSON objects and arrays', () => {
    expect(DEFAULT_MAX_OUTPUT_LENGTH).toBe(16 * 1024 * 1024);
    expect(DEFAULT_MAX_JSON_CONTAINERS).toBe(1_000_000);
    // A gzip record just over the default cap fails; one at the cap passes.
    const atCap = gzipSync(Buffer.alloc(DEFAULT_MAX_OUTPUT_LENGTH));
    expect(decodeFailure(atCap, gunzip(bytes))).toBeUndefined();
    expectLimit(
      decodeFailure(gzipSync(Buffer.alloc(DEFAULT_MAX_OUTPUT_LENGTH + 1)), gunzip(bytes)),
      'maxOutputLength',
      DEFAULT_MAX_OUTPUT_LENGTH,
    );
  });

  it('every inflating codec refuses output over maxOutputLength', () => {
    const limits = { maxOutputLength: 1000 };
    const big = JSON.stringify({ pad: 'x'.repeat(2000) });
    const cwl = JSON.stringify({ ...dataMessage, pad: 'x'.repeat(2000) });
    const cases: [Codec<unknown>, Uint8Array][] = [
      [gzip, gzipSync(big)],
      [gzip, deflateSync(big)],
      [gunzip(text), gzipSync(big)],
      [auto, gzipSync(big)],
      [auto, deflateSync(big)],
      [cloudWatchLogs, gzipSync(cwl)],
      [schema(z.object({ pad: z.string() }), { from: gzip }), gzipSync(big)],
    ];
    for (const [codec, data] of cases) {
      expectLimit(decodeFailure(data, codec, limits), 'maxOutputLength', 1000);
      expect(decodeFailure(data, codec, { maxOutputLength: 3000 }), codec.name).toBeUndefined();
    }
  });

  it('auto: zlib data over the cap is an error, not taken as text', () => {
    const data = deflateSync(`"${' '.repeat(5000)}"`);
    expectLimit(decodeFailure(data, auto, { maxOutputLength: 4096 }), 'maxOutputLength', 4096);
    // Text that merely starts like a zlib header is still text.
    expect(decodeRecord(kinesisRecord(bytesOf('x^ hello')), auto, { maxOutputLength: 1 })).toMatchObject({
      data: 'x^ hello',
    });
  });

  it('every JSON codec refuses more objects and arrays than maxJsonContainers, counted outside strings', () => {
    const limits = { maxJsonContainers: 3 };
    const four = '[[],{},[{"a":"{[{[{["}]]';
    const three = '[[],{"a":"{[{[{[{[{[{[{["},[]]'.replace('[]]', '1]');
    const cwlFive = JSON.stringify({ ...dataMessage, logEvents: [dataMessage.logEvents[0], dataMessage.logEvents[1]] });
    const cases: [Codec<unknown>, (s: string) => Uint8Array][] = [
      [json, bytesOf],
      [auto, bytesOf],
      [auto, (s) => gzipSync(s)],
      [auto, (s) => deflateSync(s)],
      [gzip, (s) => gzipSync(s)],
      [schema(z.unknown()), bytesOf],
      [schema(z.unknown(), { from: gzip }), (s) => gzipSync(s)],
    ];
    for (const [codec, pack] of cases) {
      expectLimit(decodeFailure(pack(four), codec, limits), 'maxJsonContainers', 3);
      expect(decodeFailure(pack(three), codec, limits), codec.name).toBeUndefined();
    }
    // The message, subscriptionFilters, logEvents and its two events: 5.
    expectLimit(decodeFailure(gzipSync(cwlFive), cloudWatchLogs, { maxJsonContainers: 4 }), 'maxJsonContainers', 4);
    expect(decodeFailure(gzipSync(cwlFive), cloudWatchLogs, { maxJsonContainers: 5 })).toBeUndefined();
    // Infinity turns the count off.
    expect(decodeFailure(bytesOf(four), json, { maxJsonContainers: Number.POSITIVE_INFINITY })).toBeUndefined();
  });

  it('processBatch hands its decodeLimits to every codec, composed ones included', async () => {
    const data = gzipSync(JSON.stringify({ n: 1, pad: 'x'.repeat(500) }));
    const Order = schema(z.object({ n: z.number() }), { from: gzip });
    for (const codec of ['gzip', 'auto', gzip, Order, gunzip(json), withDecodeLimits(Order, {})] as const) {
      const errors: unknown[] = [];
      const result = await processBatch([kinesisRecord(data)], () => {}, {
        codec: codec as Codec<unknown>,
        decodeLimits: { maxOutputLength: 100 },
        deadLetter: async (_record, error) => {
          errors.push(error);
        },
      });
      expect(result.deadLettered).toBe(1);
      expectLimit(errors[0] as DecodeError, 'maxOutputLength', 100);
    }
  });

  it('the limits a codec sets win over the batch ones, field by field', async () => {
    const data = gzipSync('[[],[],[],[]]');
    const run = async (codec: Codec<unknown>, decodeLimits: DecodeLimits) => {
      const result = await processBatch([kinesisRecord(data)], () => {}, { codec, decodeLimits });
      return result.failed?.error as DecodeError | undefined;
    };
    // The codec raises the inflate cap; the batch's container limit still applies.
    const roomy = withDecodeLimits('gzip', { maxOutputLength: 1000 });
    expect(await run(roomy, { maxOutputLength: 5 })).toBeUndefined();
    expectLimit(await run(roomy, { maxOutputLength: 5, maxJsonContainers: 4 }), 'maxJsonContainers', 4);
    // gunzip's own limits reach its inner codec too.
    expectLimit(await run(gunzip(json, { maxJsonContainers: 2 }), {}), 'maxJsonContainers', 2);
    expect(await run(gunzip(json, { maxJsonContainers: 5 }), { maxJsonContainers: 2 })).toBeUndefined();
    // Without processBatch limits, a codec's own apply.
    expectLimit(decodeFailure(data, withDecodeLimits(gzip, { maxOutputLength: 5 })), 'maxOutputLength', 5);
  });

  it('withDecodeLimits over json keeps the one-record-at-a-time walk of Lambda records', async () => {
    const records: StreamRecord<Uint8Array>[] = [
      kinesisRecord(bytesOf('{"a":1}'), { sequenceNumber: '1' }),
      kinesisRecord(bytesOf('[[[[[[]]]]]]'), { sequenceNumber: '2' }),
      kinesisRecord(bytesOf('{"b":2}'), { sequenceNumber: '3' }),
    ];
    const event = toLambdaKinesisEvent(records);
    const codec = withDecodeLimits('json', { maxJsonContainers: 2 });
    const seen: unknown[] = [];
    const dead: StreamRecord<unknown>[] = [];
    for (const input of [lambdaRecords(event.Records), kinesisRecords(records.map(toSdk), source)]) {
      seen.length = 0;
      dead.length = 0;
      const result = await processBatch(input, (r) => void seen.push(r.data), {
        codec,
        deadLetter: async (r) => void dead.push(r),
      });
      expect(result).toMatchObject({ succeeded: 2, deadLettered: 1, failed: undefined });
      expect(seen).toEqual([{ a: 1 }, { b: 2 }]);
      // The dead-lettered record keeps its own bytes (not a scratch buffer reused by the next record).
      expect(new TextDecoder().decode(dead[0]?.data as Uint8Array)).toBe('[[[[[[]]]]]]');
    }
  });

  it('bad limits are refused where they are given, naming the option', async () => {
    const run = (decodeLimits: unknown) => processBatch([], () => {}, { decodeLimits: decodeLimits as DecodeLimits });
    await expect(run({ maxOutputLength: 0 })).rejects.toThrow(
      /processBatch: decodeLimits\.maxOutputLength must be an integer from 1 to \d+, or Infinity; got 0/,
    );
    await expect(run({ maxJsonContainers: 1.5 })).rejects.toThrow(RangeError);
    await expect(run({ maxJsonContainers: '10' })).rejects.toThrow(/maxJsonContainers .*got string/);
    await expect(run(5)).rejects.toThrow(TypeError);
    await expect(run({ maxOutputLength: Number.POSITIVE_INFINITY })).resolves.toMatchObject({ total: 0 });
    expect(() => gunzip(json, { maxOutputLength: -1 })).toThrow(/gunzip\(codec, limits\): limits\.maxOutputLength/);
    expect(() => withDecodeLimits('gzip', { maxJsonContainers: Number.NaN })).toThrow(
      /withDecodeLimits\(codec, limits\): limits\.maxJsonContainers/,
    );
    expect(() => withDecodeLimits('gzip', undefined as never)).toThrow(TypeError);
    expect(() => withDecodeLimits('yaml' as never, {})).toThrow(InvalidInputError);
  });
});

const source = { streamArn: kinesisRecord(new Uint8Array()).streamArn, shardId: 'shardId-000000000000' };

function toSdk(record: StreamRecord<Uint8Array>) {
  return {
    SequenceNumber: record.sequenceNumber,
    PartitionKey: record.partitionKey,
    ApproximateArrivalTimestamp: record.approximateArrivalTimestamp,
    Data: record.data,
  };
}
