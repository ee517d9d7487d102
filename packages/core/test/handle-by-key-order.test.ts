import { processBatch, type StreamRecord } from '@streamshare/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LaneHeap } from '../src/handle/lane-heap.js';
import { encodeAggregate, frame } from './fixtures/kpl.js';
import { idOf, record } from './fixtures-batch/records.js';

describe('LaneHeap', () => {
  it('pops the smallest unit pushed and not popped yet, growing past its first capacity', () => {
    const op = fc.oneof(
      fc.integer({ min: 0, max: 10_000 }),
      fc.constant('pop' as const),
      fc.record({ replaceTop: fc.integer({ min: 0, max: 10_000 }) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 8 }), fc.array(op, { maxLength: 300 }), (capacity, ops) => {
        const heap = new LaneHeap(capacity);
        const model: number[] = [];
        for (const o of ops) {
          if (o === 'pop') {
            if (model.length === 0) continue;
            model.sort((a, b) => a - b);
            expect(heap.pop()).toBe(model.shift());
          } else if (typeof o === 'object') {
            if (model.length === 0) continue;
            model.sort((a, b) => a - b);
            model[0] = o.replaceTop;
            heap.replaceTop(o.replaceTop);
          } else {
            heap.push(o);
            model.push(o);
          }
          expect(heap.size).toBe(model.length);
          expect(heap.peek()).toBe(model.length === 0 ? -1 : Math.min(...model));
        }
      }),
    );
  });
});

describe('processBatch by partition key: the earliest unit ready starts first', () => {
  it('with a synchronous handler, every unit starts in the batch order, whatever the keys', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 2, max: 8 }),
        async (keys, concurrency) => {
          const batch = keys.map((k, i) => record(i, { key: `k${k}` }));
          const seen: number[] = [];
          const result = await processBatch<{ i: number }>(batch, (r) => void seen.push(idOf(r)), {
            codec: 'json',
            concurrency,
          });
          expect(seen).toEqual(keys.map((_, i) => i));
          expect(result).toMatchObject({ total: keys.length, succeeded: keys.length, failed: undefined });
        },
      ),
    );
  });

  it('with handlers that finish out of order, the earliest unit ready starts first, not the first one ready', async () => {
    // Keys a b c a b c, two at once. When 1 (b) is done, 4 (b) is ready; 2 (c) starts. When 0 (a)
    // is done, 3 (a) is ready too and starts before 4, which was ready first.
    const batch = ['a', 'b', 'c', 'a', 'b', 'c'].map((key, i) => record(i, { key }));
    const started: number[] = [];
    const finish = new Map<number, () => void>();
    const walk = processBatch<{ i: number }>(
      batch,
      (r) =>
        new Promise<void>((resolve) => {
          started.push(idOf(r));
          finish.set(idOf(r), resolve);
        }),
      { codec: 'json', concurrency: 2 },
    );
    const settle = async (i: number) => {
      (finish.get(i) as () => void)();
      await new Promise((resolve) => setImmediate(resolve));
    };
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([0, 1]);
    await settle(1);
    expect(started).toEqual([0, 1, 2]);
    await settle(0);
    expect(started).toEqual([0, 1, 2, 3]);
    await settle(2);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    await settle(3);
    expect(started).toEqual([0, 1, 2, 3, 4, 5]);
    await settle(4);
    await settle(5);
    expect(await walk).toMatchObject({ total: 6, succeeded: 6, failed: undefined });
  });

  it('walks the user records of aggregates (more units than records) by their own keys', async () => {
    const user = (pk: number, text: string) => ({ pk, data: new TextEncoder().encode(text) });
    // Record 0: an aggregate of five user records on keys x, y; record 1: a plain record on key x.
    const aggregate = frame(
      encodeAggregate(['x', 'y'], [], [user(0, 'x0'), user(1, 'y0'), user(0, 'x1'), user(1, 'y1'), user(0, 'x2')]),
    );
    const batch = [record(0, { data: aggregate }), record(1, { key: 'x', data: 'x3' })];
    const seen: string[] = [];
    const result = await processBatch<string>(batch, (r: StreamRecord<string>) => void seen.push(r.data), {
      codec: 'text',
      concurrency: 3,
    });
    expect(seen).toEqual(['x0', 'y0', 'x1', 'y1', 'x2', 'x3']);
    expect(result).toMatchObject({ total: 6, succeeded: 6, failed: undefined });
  });
});
