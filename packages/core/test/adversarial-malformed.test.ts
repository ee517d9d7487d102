import { deflateSync, gzipSync } from 'node:zlib';
import {
  type Checkpoint,
  type Codec,
  type DecodeLimits,
  deaggregate,
  kinesisRecords,
  processBatch,
  type StreamRecord,
  StreamshareError,
  schema,
} from '@streamshare/core';
import {
  type BatchInput,
  isAggregated,
  type KinesisRecords,
  type LambdaRecords,
  lambdaRecords,
} from '@streamshare/core/internal';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { checkpointOf } from '../src/checkpoint/compare.js';
import { auto } from '../src/codec/auto.js';
import { bytes } from '../src/codec/bytes.js';
import { cloudWatchLogs } from '../src/codec/cloudwatch-logs.js';
import { gunzip, gzip } from '../src/codec/gzip.js';
import { json } from '../src/codec/json.js';
import { text } from '../src/codec/text.js';
import { toLambdaKinesisEvent } from '../src/lambda-format/lambda-event.js';
import { encodeAggregate, frame } from './fixtures/kpl.js';
import { record as makeRecord, SHARD, STREAM_ARN } from './fixtures-batch/records.js';

/**
 * Malformed and hostile payloads (random bytes, truncated or corrupted gzip/zlib/KPL, garbage
 * behind each magic prefix, small decoding bombs) through processBatch with every built-in codec,
 * every input form, with and without dead letters and concurrency: processBatch resolves, the
 * result is a prefix of the records in order, and every failure is a typed error with a code.
 */

const enc = new TextEncoder();
const FAILURE_CODES = ['DECODE_FAILED', 'AGGREGATE_CORRUPT'];

const jsonText = fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null');
const randomBytes = fc.uint8Array({ maxLength: 300 });

/** Cuts `data` somewhere strictly inside it. */
const truncated = (packed: fc.Arbitrary<Uint8Array>) =>
  fc
    .tuple(packed, fc.double({ min: 0, max: 1, noNaN: true }))
    .map(([data, at]) => data.subarray(0, Math.floor(at * (data.length - 1))));

/** Flips one byte of `data`. */
const corrupted = (packed: fc.Arbitrary<Uint8Array>) =>
  fc.tuple(packed, fc.nat(), fc.integer({ min: 1, max: 255 })).map(([data, at, x]) => {
    const out = Uint8Array.from(data);
    const i = at % out.length;
    out[i] = out[i]! ^ x;
    return out;
  });

const prefixed = (prefix: number[]) => randomBytes.map((rest) => Uint8Array.from([...prefix, ...rest]));
const gz = jsonText.map((t) => new Uint8Array(gzipSync(t)));
const zl = jsonText.map((t) => new Uint8Array(deflateSync(t)));

/** A KPL aggregate of user records carrying `payload`s. */
const aggregate = (payload: fc.Arbitrary<Uint8Array>) =>
  fc
    .tuple(
      fc.array(fc.string({ maxLength: 8 }), { minLength: 1, maxLength: 3 }),
      fc.array(payload, { minLength: 1, maxLength: 4 }),
    )
    .chain(([pks, datas]) =>
      fc.array(fc.nat({ max: pks.length - 1 }), { minLength: datas.length, maxLength: datas.length }).map((idx) =>
        frame(
          encodeAggregate(
            pks,
            [],
            datas.map((data, k) => ({ pk: idx[k]!, data })),
          ),
        ),
      ),
    );

/** A payload of any kind, good or bad. */
const payload: fc.Arbitrary<Uint8Array> = fc.oneof(
  jsonText.map((t) => enc.encode(t)),
  gz,
  zl,
  randomBytes,
  truncated(gz),
  truncated(zl),
  corrupted(gz),
  corrupted(zl),
  prefixed([0x1f, 0x8b]),
  prefixed([0x1f, 0x8b, 0x08, 0x00]),
  prefixed([0x78, 0x9c]),
  prefixed([0x78, 0x01]),
  prefixed([0xf3, 0x89, 0x9a, 0xc2]),
  randomBytes.map((body) => frame(body)),
  aggregate(
    fc.oneof(
      jsonText.map((t) => enc.encode(t)),
      gz,
      randomBytes,
      prefixed([0x1f, 0x8b]),
    ),
  ),
  truncated(aggregate(jsonText.map((t) => enc.encode(t)))),
  corrupted(aggregate(gz)),
  // small decoding bombs, over the small limits the property may set
  fc.integer({ min: 1, max: 200 }).map((n) => new Uint8Array(gzipSync(`[${'{},'.repeat(n)}{}]`))),
  fc.integer({ min: 100, max: 5000 }).map((n) => new Uint8Array(deflateSync(`"${' '.repeat(n)}"`))),
);

const codecs: Record<string, Codec<unknown>> = {
  auto,
  bytes,
  text,
  json,
  gzip,
  'gzip+text': gunzip(text),
  'cloudwatch-logs': cloudWatchLogs as Codec<unknown>,
  'schema over gzip': schema(z.unknown(), { from: gzip }),
  'schema over json': schema(z.record(z.string(), z.unknown())),
};

const scenario = fc.record({
  payloads: fc.array(payload, { maxLength: 12 }),
  codec: fc.constantFrom(...Object.keys(codecs)),
  limits: fc.constantFrom<DecodeLimits | undefined>(undefined, { maxOutputLength: 512, maxJsonContainers: 8 }),
  input: fc.constantFrom('array', 'lambda', 'kinesis'),
  deadLetter: fc.boolean(),
  concurrency: fc.constantFrom(1, 3),
  deaggregate: fc.boolean(),
});

const identity = (r: Pick<StreamRecord<unknown>, 'sequenceNumber' | 'subSequenceNumber'>) =>
  `${r.sequenceNumber}:${r.subSequenceNumber ?? ''}`;

/** The records processBatch walks, in order: user records of good aggregates, every other input whole. */
function expectedOrder(records: StreamRecord<Uint8Array>[], expand: boolean): StreamRecord<Uint8Array>[] {
  const out: StreamRecord<Uint8Array>[] = [];
  for (const r of records) {
    if (!expand || !isAggregated(r.data)) {
      out.push(r);
      continue;
    }
    try {
      out.push(...deaggregate(r));
    } catch {
      out.push(r);
    }
  }
  return out;
}

/**
 * The aggregates of no user record (expanded, they are no unit), by the number of units before
 * them (the last one at each place): the checkpoint moves past one once every unit before it is done.
 */
function emptyAggregates(records: StreamRecord<Uint8Array>[], expand: boolean): Map<number, StreamRecord<Uint8Array>> {
  const empties = new Map<number, StreamRecord<Uint8Array>>();
  if (!expand) return empties;
  let units = 0;
  for (const r of records) {
    let count = 1;
    try {
      count = deaggregate(r).length;
    } catch {
      // a corrupt aggregate is one unit
    }
    if (count === 0) empties.set(units, r);
    units += count;
  }
  return empties;
}

/** Failures seen, by code (and decode-limit failures): the generators must reach every path. */
const seen = new Map<string, number>();

function expectTyped(error: unknown) {
  expect(error).toBeInstanceOf(StreamshareError);
  const code = (error as StreamshareError).code;
  expect(FAILURE_CODES).toContain(code);
  expect(typeof (error as Error).message).toBe('string');
  const limit = ((error as Error).cause as { code?: unknown } | undefined)?.code === 'DECODE_LIMIT_EXCEEDED';
  const key = limit ? 'DECODE_LIMIT_EXCEEDED' : code;
  seen.set(key, (seen.get(key) ?? 0) + 1);
}

describe('malformed and hostile payloads through processBatch (fast-check)', () => {
  it('resolves, keeps the checkpoint a prefix, and fails records only with typed errors', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const records = s.payloads.map((data, i) => makeRecord(i, { key: `key-${i % 2}`, data }));
        const order = expectedOrder(records, s.deaggregate);
        const done = new Set<string>();
        const deadLettered: unknown[] = [];
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
        const result = await processBatch(input, (r) => void done.add(identity(r)), {
          codec: codecs[s.codec],
          decodeLimits: s.limits,
          concurrency: s.concurrency,
          deaggregate: s.deaggregate,
          ...(s.deadLetter
            ? {
                deadLetter: async (r, error) => {
                  expectTyped(error);
                  deadLettered.push(error);
                  done.add(identity(r));
                },
              }
            : {}),
        });
        expect(result.total).toBe(order.length);
        const failedAt =
          result.failed === undefined
            ? order.length
            : order.findIndex((r) => identity(r) === identity(result.failed!.record));
        expect(failedAt).toBeGreaterThanOrEqual(0);
        if (result.failed !== undefined) {
          expect(s.deadLetter).toBe(false);
          expectTyped(result.failed.error);
          expect(['decode', 'aggregate']).toContain(result.failed.reason);
        }
        // Everything before the first failure is done (handled or dead-lettered), and the checkpoint is the last of it
        // (an aggregate of no user record right after it, when there is one).
        for (const r of order.slice(0, failedAt)) expect(done.has(identity(r))).toBe(true);
        const past = emptyAggregates(records, s.deaggregate).get(failedAt);
        const expected: Checkpoint | undefined =
          past !== undefined ? checkpointOf(past) : failedAt === 0 ? undefined : checkpointOf(order[failedAt - 1]!);
        expect(result.checkpoint).toEqual(expected);
        expect(result.succeeded + result.deadLettered).toBe(done.size);
      }),
      { numRuns: 400 },
    );
    for (const code of [...FAILURE_CODES, 'DECODE_LIMIT_EXCEEDED']) expect(seen.get(code), code).toBeGreaterThan(10);
  });
});
