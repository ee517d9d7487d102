/**
 * processBatch resumes inside a partly done KPL aggregate (`resumeFrom`, a checkpoint with
 * `complete: false`): the user records of that aggregate up to the checkpoint's subSequenceNumber
 * were done before and are skipped, whatever the record source; the checkpoint goes on from there.
 */
import {
  type BatchResult,
  InvalidInputError,
  kinesisRecords,
  processBatch,
  type SequenceCheckpoint,
  type StreamRecord,
} from '@streamshare/core';
import { lambdaRecords, toLambdaKinesisEvent } from '@streamshare/core/internal';
import { describe, expect, it } from 'vitest';
import { encodeAggregate, frame } from './fixtures/kpl.js';
import { record, SHARD, STREAM_ARN, seq } from './fixtures-batch/records.js';

const enc = new TextEncoder();

/** An aggregate of `n` user records `"u<i>"` with keys `k<i>`, as record `i` of the batch. */
function aggregate(i: number, n: number): StreamRecord<Uint8Array> {
  const keys = Array.from({ length: n }, (_, k) => `k${k}`);
  const users = keys.map((_, k) => ({ pk: k, data: enc.encode(JSON.stringify(`u${k}`)) }));
  return record(i, { data: frame(encodeAggregate(keys, [], users)) });
}

const batch = [record(0), aggregate(1, 5), record(2)];

const sources = {
  array: () => batch,
  lambda: () => lambdaRecords(toLambdaKinesisEvent(batch).Records),
  page: () =>
    kinesisRecords(
      batch.map((r) => ({
        SequenceNumber: r.sequenceNumber,
        PartitionKey: r.partitionKey,
        ApproximateArrivalTimestamp: r.approximateArrivalTimestamp,
        Data: r.data,
      })),
      { streamArn: STREAM_ARN, shardId: SHARD },
    ),
};

async function walk(
  source: keyof typeof sources,
  resumeFrom: SequenceCheckpoint | undefined,
  options: { failOn?: string; concurrency?: number } = {},
): Promise<{ seen: [string, number | undefined, unknown][]; result: BatchResult }> {
  const seen: [string, number | undefined, unknown][] = [];
  const result = await processBatch(
    sources[source](),
    (r) => {
      if (r.data === options.failOn) throw new Error(`fails on ${options.failOn}`);
      seen.push([r.sequenceNumber, r.subSequenceNumber, r.data]);
    },
    { codec: 'json', ...(resumeFrom === undefined ? {} : { resumeFrom }), concurrency: options.concurrency ?? 1 },
  );
  return { seen, result };
}

describe('processBatch({ resumeFrom })', () => {
  for (const source of Object.keys(sources) as (keyof typeof sources)[]) {
    it(`skips the user records a partly done aggregate checkpoint covers (${source})`, async () => {
      const partial = { sequenceNumber: seq(1), subSequenceNumber: 2, complete: false };
      for (const concurrency of [1, 3]) {
        const { seen, result } = await walk(source, partial, { concurrency });
        expect(seen.map(([, sub, data]) => [sub, data]).sort()).toEqual(
          [
            [undefined, { i: 0 }],
            [3, 'u3'],
            [4, 'u4'],
            [undefined, { i: 2 }],
          ].sort(),
        );
        expect(result).toMatchObject({ total: 4, succeeded: 4, failed: undefined });
        expect(result.checkpoint).toEqual({ sequenceNumber: seq(2), subSequenceNumber: 0, complete: true });
      }
    });

    it(`skips nothing for a complete checkpoint or another record's (${source})`, async () => {
      for (const resumeFrom of [
        undefined,
        { sequenceNumber: seq(1), subSequenceNumber: 2, complete: true },
        { sequenceNumber: seq(0), subSequenceNumber: 2, complete: false },
      ]) {
        const { seen, result } = await walk(source, resumeFrom);
        expect(seen.map(([, sub]) => sub)).toEqual([undefined, 0, 1, 2, 3, 4, undefined]);
        expect(result.total).toBe(7);
      }
    });

    it(`counts what is left of the aggregate when the walk stops before it (${source})`, async () => {
      const partial = { sequenceNumber: seq(1), subSequenceNumber: 0, complete: false };
      const { seen, result } = await walk(source, partial, { failOn: 'u2' });
      expect(seen.map(([, sub]) => sub)).toEqual([undefined, 1]);
      expect(result).toMatchObject({ total: 6, succeeded: 2 });
      expect(result.failed?.record).toMatchObject({ sequenceNumber: seq(1), subSequenceNumber: 2 });
      expect(result.checkpoint).toEqual({ sequenceNumber: seq(1), subSequenceNumber: 1, complete: false });
    });
  }

  it('refuses a resumeFrom that is not a checkpoint, naming the option', async () => {
    await expect(
      processBatch(batch, () => {}, { resumeFrom: { sequenceNumber: 'x' } as unknown as SequenceCheckpoint }),
    ).rejects.toThrow(InvalidInputError);
    await expect(
      processBatch(batch, () => {}, { resumeFrom: { sequenceNumber: 'x' } as unknown as SequenceCheckpoint }),
    ).rejects.toThrow(/processBatch: resumeFrom/);
  });

  it('refuses a sentinel as resumeFrom (a batch resumes from a position at a record)', async () => {
    await expect(
      processBatch(batch, () => {}, { resumeFrom: { kind: 'SHARD_END' } as unknown as SequenceCheckpoint }),
    ).rejects.toThrow(/processBatch: resumeFrom must be a position at a record .* got the SHARD_END checkpoint/);
  });
});
