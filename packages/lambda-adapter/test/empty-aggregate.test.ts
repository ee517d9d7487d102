/**
 * A KPL aggregate of 0 user records (magic bytes + the MD5 of an empty message, as some producers
 * write) in a Lambda event: nothing is delivered for it, and it is never reported in
 * `batchItemFailures` (it was consumed), whatever the walk.
 */
import { createHash } from 'node:crypto';
import type { StreamRecord } from '@streamshare/core';
import { kinesisHandler } from '@streamshare/lambda-adapter';
import { describe, expect, it } from 'vitest';
import { fakeContext, kinesisEvent, quiet, seq } from './fixtures.js';

const EMPTY_AGGREGATE = Buffer.concat([
  Buffer.from([0xf3, 0x89, 0x9a, 0xc2]),
  createHash('md5').update(Buffer.alloc(0)).digest(),
]);

describe('kinesisHandler and an aggregate of 0 user records', () => {
  for (const concurrency of [1, 3]) {
    it(`reports only the record that failed, never the empty aggregate before it (concurrency ${concurrency})`, async () => {
      const seen: unknown[] = [];
      const handler = kinesisHandler(
        (record: StreamRecord<{ i: number }>) => {
          if (record.data.i === 2) throw new Error('fails on purpose');
          seen.push(record.data.i);
        },
        { logger: quiet, concurrency, retry: { attempts: 1 } },
      );
      const alone = await handler(kinesisEvent([{ data: EMPTY_AGGREGATE }]), fakeContext());
      expect(alone).toEqual({ batchItemFailures: [] });
      const event = kinesisEvent([{ data: { i: 0 } }, { data: EMPTY_AGGREGATE }, { data: { i: 2 } }]);
      const response = await handler(event, fakeContext());
      expect(seen).toEqual([0]);
      expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: seq(2) }] });
    });
  }
});
