/**
 * processBatch over a GetRecords page wrapped by kinesisRecords (each record checked and normalized
 * at its turn) does exactly what it does over the same page normalized up front by
 * fromKinesisRecords: the same handler calls with the same records, the same result.
 */
import {
  type BatchResult,
  InvalidInputError,
  kinesisRecords,
  processBatch,
  RetryableError,
  type StreamRecord,
} from '@streamshare/core';
import { fromKinesisRecords, type KinesisSdkRecord } from '@streamshare/core/internal';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeAggregate, frame } from './fixtures/kpl.js';

const SOURCE = {
  streamArn: 'arn:aws:kinesis:us-east-1:999900009999:stream/kds-sharing-example1',
  shardId: 'shardId-000000000007',
};
const BASE = 49649683864473953433843496278632352517587667908684677122n;
const enc = new TextEncoder();
const fast = { attempts: 2, minDelayMs: 1, maxDelayMs: 1, jitter: false } as const;

type Kind = 'json' | 'text' | 'not-json' | 'no-data' | 'bad-timestamp' | 'kms' | 'not-an-object';

/** The SDK record of kind `kind` at position `i`. */
function sdkRecord(i: number, kind: Kind): KinesisSdkRecord {
  const base = {
    SequenceNumber: String(BASE + BigInt(i) * 1000n),
    PartitionKey: `key-${i % 3}`,
    ApproximateArrivalTimestamp: new Date(1_709_100_911_667 + i),
  };
  switch (kind) {
    case 'json':
      return { ...base, Data: enc.encode(JSON.stringify({ i })) };
    case 'text':
      return { ...base, Data: enc.encode(`plain text ${i}`) };
    case 'not-json':
      return { ...base, Data: enc.encode(`{"i": ${i}`) };
    case 'no-data':
      return { ...base };
    case 'bad-timestamp':
      return { ...base, ApproximateArrivalTimestamp: new Date(Number.NaN), Data: enc.encode('{}') };
    case 'kms':
      return { ...base, Data: enc.encode(JSON.stringify({ i })), EncryptionType: 'KMS' };
    case 'not-an-object':
      return null as unknown as KinesisSdkRecord;
  }
}

interface Run {
  calls: { record: StreamRecord<unknown>; attempt: number }[];
  dead: { record: StreamRecord<unknown>; error: string }[];
  result: Omit<BatchResult, 'durationMs'>;
}

async function run(
  inputs: Parameters<typeof processBatch>[0],
  options: { codec: 'json' | 'text' | 'auto' | 'bytes'; fails: Set<number>; deadLetter: boolean; async: boolean },
): Promise<Run> {
  const calls: Run['calls'] = [];
  const dead: Run['dead'] = [];
  const result = await processBatch(
    inputs,
    (record, context) => {
      calls.push({ record, attempt: context.attempt });
      const i = Number(BigInt(record.sequenceNumber) - BASE) / 1000;
      const fail = options.fails.has(i);
      if (options.async) {
        return Promise.resolve().then(() => {
          if (fail) throw new RetryableError(`handler fails ${i}`);
        });
      }
      if (fail) throw new RetryableError(`handler fails ${i}`);
    },
    {
      codec: options.codec,
      retry: fast,
      ...(options.deadLetter
        ? {
            deadLetter: async (record, error) => {
              dead.push({ record, error: `${(error as Error).name}: ${(error as { code?: string }).code}` });
            },
          }
        : {}),
    },
  );
  const { durationMs: _, ...rest } = result;
  return { calls, dead, result: rest };
}

/** What a failure says, without object identity (errors are made anew in each run). */
function comparable(r: Run) {
  const failed = r.result.failed;
  return {
    ...r,
    result: {
      ...r.result,
      failed: failed && {
        record: failed.record,
        reason: failed.reason,
        attempts: failed.attempts,
        error: `${(failed.error as Error).name} ${(failed.error as { code?: string }).code} ${(failed.error as Error).message}`,
      },
    },
  };
}

describe('processBatch(kinesisRecords(page))', () => {
  it('does what processBatch(fromKinesisRecords(page)) does, for any page and handler', async () => {
    const kinds: Kind[] = ['json', 'text', 'not-json', 'no-data', 'bad-timestamp', 'kms', 'not-an-object'];
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            { weight: 6, arbitrary: fc.constant<Kind>('json') },
            { weight: 1, arbitrary: fc.constantFrom(...kinds) },
          ),
          { maxLength: 25 },
        ),
        fc.uniqueArray(fc.nat(24), { maxLength: 3 }),
        fc.constantFrom('json', 'text', 'auto', 'bytes'),
        fc.boolean(),
        fc.boolean(),
        async (pageKinds, failing, codec, deadLetter, async) => {
          const page = pageKinds.map((kind, i) => sdkRecord(i, kind));
          const options = { codec, fails: new Set(failing), deadLetter, async } as const;
          const deferred = await run(kinesisRecords(page, SOURCE), options);
          const upFront = await run(fromKinesisRecords(page, SOURCE), options);
          expect(comparable(deferred)).toEqual(comparable(upFront));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('fails a malformed record at its turn, as that record, after handling the ones before it', async () => {
    const page = [sdkRecord(0, 'json'), sdkRecord(1, 'no-data'), sdkRecord(2, 'json')];
    const seen: unknown[] = [];
    const result = await processBatch(kinesisRecords(page, SOURCE), (r) => void seen.push(r.data), { codec: 'json' });
    expect(seen).toEqual([{ i: 0 }]);
    expect(result.checkpoint?.sequenceNumber).toBe(page[0]!.SequenceNumber);
    expect(result.failed?.reason).toBe('decode');
    expect(result.failed?.record).toMatchObject({ sequenceNumber: page[1]!.SequenceNumber, partitionKey: 'key-1' });
    const error = result.failed?.error as InvalidInputError;
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.code).toBe('INVALID_KINESIS_RECORD');
    expect(error.message).toContain('Data should be a Uint8Array');
    expect(error.message).toContain(SOURCE.shardId);
  });

  it('hands records with the same fields fromKinesisRecord gives, the data decoded', async () => {
    const page = [sdkRecord(0, 'kms'), sdkRecord(1, 'json')];
    const seen: StreamRecord<unknown>[] = [];
    await processBatch(kinesisRecords(page, SOURCE), (r) => void seen.push(r), { codec: 'json' });
    expect(seen[0]).toEqual({
      streamArn: SOURCE.streamArn,
      shardId: SOURCE.shardId,
      partitionKey: 'key-0',
      sequenceNumber: page[0]!.SequenceNumber,
      approximateArrivalTimestamp: page[0]!.ApproximateArrivalTimestamp,
      data: { i: 0 },
      encryptionType: 'KMS',
    });
    expect(Object.keys(seen[1]!)).not.toContain('encryptionType');
  });

  it('expands KPL aggregates of the page (read up front then) and walks partition keys concurrently', async () => {
    const aggregate = frame(
      encodeAggregate(
        ['u0', 'u1'],
        [],
        [
          { pk: 0, data: enc.encode('"user-0"') },
          { pk: 1, data: enc.encode('"user-1"') },
        ],
      ),
    );
    const page: KinesisSdkRecord[] = [
      sdkRecord(0, 'json'),
      { ...sdkRecord(1, 'json'), Data: aggregate },
      sdkRecord(2, 'json'),
    ];
    for (const concurrency of [1, 3]) {
      const seen: unknown[] = [];
      const result = await processBatch(kinesisRecords(page, SOURCE), (r) => void seen.push(r.data), {
        codec: 'json',
        concurrency,
      });
      expect(seen.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual(
        [{ i: 0 }, { i: 2 }, 'user-0', 'user-1'].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
      );
      expect(result).toMatchObject({ total: 4, succeeded: 4, failed: undefined });
      expect(result.checkpoint).toEqual({
        sequenceNumber: page[2]!.SequenceNumber,
        subSequenceNumber: 0,
        complete: true,
      });
    }
  });

  it('refuses what is not a page with a clear TypeError', () => {
    expect(() => kinesisRecords('x' as never, SOURCE)).toThrow(/records must be an array/);
    expect(() => kinesisRecords([], { streamArn: '', shardId: 'shardId-0' })).toThrow(/source must be/);
  });
});
