import { deaggregate, KplAggregateError } from '@streamshare/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aggregateWithAwsLib, encodeAggregate, frame, kinesisRecord, type UserRecordInput } from './fixtures/kpl.js';

// aws-kinesis-agg reorders integer-like keys in its tables (see kpl-deaggregate.test.ts): keep keys non-numeric.
const partitionKey = fc.string({ minLength: 1, maxLength: 40 }).map((s) => `k${s}`);
const hashKey = fc.bigInt({ min: 2n ** 32n, max: 2n ** 128n - 1n }).map(String);
const userRecord = fc.record(
  {
    partitionKey,
    explicitHashKey: hashKey,
    data: fc.uint8Array({ minLength: 1, maxLength: 2000 }).map((a) => Buffer.from(a)),
  },
  { requiredKeys: ['partitionKey', 'data'] },
);

describe('deaggregate (properties)', () => {
  it('gives back every user record aggregated by aws-kinesis-agg, in order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(userRecord, { minLength: 1, maxLength: 60 }), async (inputs: UserRecordInput[]) => {
        const aggregates = await aggregateWithAwsLib(inputs.map((r) => ({ ...r })));
        const out = aggregates.flatMap((a, n) => deaggregate(kinesisRecord(a.data, { sequenceNumber: String(n + 1) })));
        expect(out).toHaveLength(inputs.length);
        out.forEach((user, i) => {
          expect(user.partitionKey).toBe(inputs[i]!.partitionKey);
          expect(user.explicitHashKey).toBe(inputs[i]!.explicitHashKey);
          expect(Buffer.from(user.data).equals(inputs[i]!.data)).toBe(true);
        });
      }),
      { numRuns: 100 },
    );
  });

  it('never fails with anything but an AggregateError on arbitrary bytes behind a valid checksum', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (body) => {
        try {
          const out = deaggregate(kinesisRecord(frame(body)));
          for (const user of out) expect(user.data.byteOffset + user.data.length).toBeLessThanOrEqual(body.length + 4);
        } catch (error) {
          expect(error).toBeInstanceOf(KplAggregateError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('reads any truncation of a valid message as a shorter message or an AggregateError, never anything else', () => {
    const body = encodeAggregate(
      ['alpha', 'beta'],
      ['340282366920938463463374607431768211455'],
      [
        { pk: 0, data: new TextEncoder().encode('first record') },
        { pk: 1, ehk: 0, data: new TextEncoder().encode('second') },
      ],
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: body.length - 1 }), (cut) => {
        let caught: unknown;
        try {
          deaggregate(kinesisRecord(frame(body.slice(0, cut))));
        } catch (error) {
          caught = error;
        }
        // a cut on a field boundary leaves a shorter but well-formed message: fewer records or a missing table entry
        if (caught !== undefined) {
          expect(caught).toBeInstanceOf(KplAggregateError);
          expect(['TRUNCATED', 'BAD_TABLE_INDEX', 'MALFORMED']).toContain((caught as KplAggregateError).reason);
        }
      }),
    );
  });
});
