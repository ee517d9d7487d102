/**
 * A trigger whose event source is an enhanced fan-out consumer (the EFO variant of the
 * cross-account example): AWS documents the consumer ARN as the mapping's source but not which ARN
 * its records carry in `eventSourceARN`. Both are read; every record names its stream, and a
 * failed record is still reported by its sequence number.
 */
import type { StreamRecord } from '@streamshare/core';
import { kinesisHandler } from '@streamshare/lambda-adapter';
import { describe, expect, it } from 'vitest';
import { fakeContext, kinesisEvent, quiet, STREAM_ARN, seq } from './fixtures.js';

const CONSUMER_ARN = `${STREAM_ARN}/consumer/kds-reader1-efo:1733494390`;

describe('kinesisHandler on a trigger of an enhanced fan-out consumer', () => {
  for (const concurrency of [1, 3]) {
    it(`reads records whose eventSourceARN is the consumer ARN as records of its stream (concurrency ${concurrency})`, async () => {
      const seen: StreamRecord<{ i: number }>[] = [];
      const handler = kinesisHandler(
        (record: StreamRecord<{ i: number }>) => {
          if (record.data.i === 1) throw new Error('fails on purpose');
          seen.push(record);
        },
        { logger: quiet, concurrency, retry: { attempts: 1 } },
      );
      const event = kinesisEvent([0, 1, 2].map((i) => ({ data: { i }, streamArn: CONSUMER_ARN })));
      const response = await handler(event, fakeContext());
      expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: seq(1) }] });
      expect(seen.map((r) => r.data.i)).toEqual([0]);
      for (const record of seen) expect(record.streamArn).toBe(STREAM_ARN);
    });
  }

  it('refuses a consumer ARN that is malformed, naming eventSourceARN', async () => {
    const handler = kinesisHandler(() => {}, { logger: quiet });
    for (const bad of [`${STREAM_ARN}/consumer/`, `${STREAM_ARN}/consumer/c:not-a-time`, `${STREAM_ARN}/other/c:1`]) {
      const event = kinesisEvent([{ data: { i: 0 }, streamArn: bad }]);
      await expect(handler(event, fakeContext())).rejects.toThrow(/eventSourceARN/);
    }
  });
});
