/**
 * Two kinds of KPL aggregate real producers write (see ../shared/real-world-events/SOURCES.md):
 *
 * - an explicit hash key table holding something that is not a hash key (a JavaScript aggregator
 *   writing `String(undefined)`): the user records are delivered, that key read as absent;
 * - an aggregate of 0 user records: nothing is delivered for it, and the checkpoint moves past it
 *   (it was consumed), whatever the record source and the walk; it is never the failed record.
 */
import { type BatchResult, batchHandler, deaggregate, processBatch, type StreamRecord } from '@streamshare/core';
import { lambdaRecords, toLambdaKinesisEvent } from '@streamshare/core/internal';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeAggregate, frame, kinesisRecord } from './fixtures/kpl.js';
import { pageOf, record, seq } from './fixtures-batch/records.js';

const enc = new TextEncoder();
const MAX_HASH_KEY = 2n ** 128n - 1n;

/** An aggregate of one user record per entry of `hashKeys`, user record i using entry i. */
function withHashKeys(hashKeys: string[]): StreamRecord<Uint8Array> {
  const users = hashKeys.map((_, i) => ({ pk: 0, ehk: i, data: enc.encode(`u${i}`) }));
  return kinesisRecord(frame(encodeAggregate(['k'], hashKeys, users)));
}

describe('an explicit hash key table entry that is not a hash key', () => {
  it('is read as no explicit hash key; the user records are all delivered', () => {
    const table = ['undefined', '', 'abc', '-1', '007', '1e3', ' 42', String(MAX_HASH_KEY + 1n), 'null'];
    const users = deaggregate(withHashKeys(table));
    expect(users.map((u) => new TextDecoder().decode(u.data))).toEqual(table.map((_, i) => `u${i}`));
    expect(users.map((u) => u.explicitHashKey)).toEqual(table.map(() => undefined));
    for (const user of users) expect(Object.keys(user)).toContain('explicitHashKey');
  });

  it('keeps every decimal hash key from 0 to 2^128 - 1 as it is', () => {
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: 0n, max: MAX_HASH_KEY }).map(String), { minLength: 1 }), (keys) => {
        expect(deaggregate(withHashKeys(keys)).map((u) => u.explicitHashKey)).toEqual(keys);
      }),
    );
  });

  it('is absent on the user records processBatch hands over, whatever the walk', async () => {
    const aggregate = withHashKeys(['undefined', '170141183460469231731687303715884105728']);
    for (const concurrency of [1, 2]) {
      const seen: StreamRecord<string>[] = [];
      const result = await processBatch<string>([aggregate], (r) => void seen.push(r), {
        codec: 'text',
        concurrency,
      });
      expect(result).toMatchObject({ total: 2, succeeded: 2, failed: undefined });
      expect(seen.map((r) => [r.data, r.explicitHashKey])).toEqual([
        ['u0', undefined],
        ['u1', '170141183460469231731687303715884105728'],
      ]);
    }
  });
});

/** An aggregate of no user record (magic bytes, an empty protobuf message, its MD5), as record `i`. */
function empty(i: number): StreamRecord<Uint8Array> {
  return record(i, { data: frame([]) });
}

const sources = {
  array: (batch: StreamRecord<Uint8Array>[]) => batch,
  lambda: (batch: StreamRecord<Uint8Array>[]) => lambdaRecords(toLambdaKinesisEvent(batch).Records),
  page: pageOf,
};

const walks = ['in order', 'by key', 'whole batch'] as const;

/** processBatch over `batch` (json codec, no retries); the handler fails on the records whose `i` is in `failOn`. */
async function walk(
  source: keyof typeof sources,
  how: (typeof walks)[number],
  batch: StreamRecord<Uint8Array>[],
  failOn: number[] = [],
  options: { abortAfter?: number } = {},
): Promise<{ seen: number[]; result: BatchResult }> {
  const seen: number[] = [];
  const abort = new AbortController();
  const one = (r: StreamRecord<{ i: number }>) => {
    if (failOn.includes(r.data.i)) throw new Error(`record ${r.data.i} fails on purpose`);
    seen.push(r.data.i);
    if (r.data.i === options.abortAfter) abort.abort(new Error('stop'));
  };
  const handler =
    how === 'whole batch'
      ? batchHandler<{ i: number }>((records) => {
          let done = 0;
          try {
            for (const r of records) {
              one(r);
              done++;
            }
          } catch (error) {
            return { done, error };
          }
          return undefined;
        })
      : one;
  const result = await processBatch<{ i: number }>(sources[source](batch), handler, {
    codec: 'json',
    retry: { attempts: 1 },
    concurrency: how === 'by key' ? 3 : 1,
    signal: abort.signal,
  });
  return { seen, result };
}

/** The checkpoint past record `i` (a plain record, or an aggregate of no user record). */
const past = (i: number) => ({ sequenceNumber: seq(i), subSequenceNumber: 0, complete: true });

describe('an aggregate of 0 user records', () => {
  for (const source of Object.keys(sources) as (keyof typeof sources)[]) {
    for (const how of walks) {
      describe(`${source}, ${how}`, () => {
        it('alone: delivers nothing, fails nothing, and the checkpoint moves past it', async () => {
          const { seen, result } = await walk(source, how, [empty(0)]);
          expect(seen).toEqual([]);
          expect(result).toMatchObject({ total: 0, succeeded: 0, failed: undefined });
          expect(result.checkpoint).toEqual(past(0));
        });

        it('last, after records done: the checkpoint moves past it', async () => {
          const { seen, result } = await walk(source, how, [record(0), record(1), empty(2)]);
          expect(seen).toEqual([0, 1]);
          expect(result).toMatchObject({ total: 2, succeeded: 2, failed: undefined });
          expect(result.checkpoint).toEqual(past(2));
        });

        it('several in a row between records: the checkpoint is the last record', async () => {
          const { seen, result } = await walk(source, how, [empty(0), record(1), empty(2), empty(3), record(4)]);
          expect(seen).toEqual([1, 4]);
          expect(result.checkpoint).toEqual(past(4));
        });

        it('before a record that fails: the checkpoint is past it, the failed record is the next one', async () => {
          for (const batch of [
            [empty(0), record(1)],
            [record(0, { key: 'k' }), empty(1), record(2)],
          ]) {
            const failing = batch.length - 1;
            const { result } = await walk(source, how, batch, [failing]);
            expect(result.failed?.record.sequenceNumber).toBe(seq(failing));
            expect(result.failed?.reason).toBe('handler');
            expect(result.checkpoint).toEqual(past(failing - 1));
          }
        });

        it('after a record that fails: the checkpoint stays before the failed record', async () => {
          const { result } = await walk(source, how, [record(0), record(1), empty(2)], [1]);
          expect(result.failed?.record.sequenceNumber).toBe(seq(1));
          expect(result.checkpoint).toEqual(past(0));
        });
      });
    }

    it(`before the record a walk stopped at (abort): the checkpoint is past it (${source})`, async () => {
      const { seen, result } = await walk(source, 'in order', [record(0), empty(1), record(2)], [], {
        abortAfter: 0,
      });
      expect(seen).toEqual([0]);
      expect(result.failed).toMatchObject({ reason: 'aborted', record: { sequenceNumber: seq(2) } });
      expect(result.checkpoint).toEqual(past(1));
    });
  }

  it('resumed from a checkpoint inside an aggregate whose user records were all done: the checkpoint moves past it, forward', async () => {
    const keys = ['a', 'b', 'c'];
    const whole = record(1, {
      data: frame(
        encodeAggregate(
          keys,
          [],
          keys.map((_, pk) => ({ pk, data: enc.encode(`"${keys[pk]}"`) })),
        ),
      ),
    });
    const resumeFrom = { sequenceNumber: seq(1), subSequenceNumber: 2, complete: false };
    const result = await processBatch([whole], () => {}, { codec: 'json', resumeFrom });
    expect(result).toMatchObject({ total: 0, failed: undefined });
    expect(result.checkpoint).toEqual({ sequenceNumber: seq(1), subSequenceNumber: 2, complete: true });
  });

  it('with deaggregate false, it is a record like any other (its bytes handed over)', async () => {
    const seen: Uint8Array[] = [];
    const result = await processBatch<Uint8Array>([empty(0)], (r) => void seen.push(r.data), {
      codec: 'bytes',
      deaggregate: false,
    });
    expect(seen).toHaveLength(1);
    expect(result.checkpoint).toEqual(past(0));
  });
});
