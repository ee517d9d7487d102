import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AbortedError } from '../src/calls/call-with-retries.js';
import {
  type BudgetHold,
  DEFAULT_MAX_BUFFERED_BYTES,
  FIRST_READ_ESTIMATE,
  MemoryBudget,
  memoryBudget,
} from '../src/scheduling/memory-budget.js';

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('MemoryBudget', () => {
  it('grants reservations that fit; one that does not waits until enough is released, in order', async () => {
    const budget = new MemoryBudget(100);
    const a = await budget.reserve(60);
    const b = await budget.reserve(40);
    expect(budget.held).toBe(100);
    const order: string[] = [];
    const c = budget.reserve(30).then((hold) => {
      order.push('c');
      return hold;
    });
    const d = budget.reserve(5).then((hold) => {
      order.push('d');
      return hold;
    });
    await flush();
    // d would fit after c, not before it: first come, first served (a big page is not starved).
    expect(order).toEqual([]);
    expect(budget.waiting).toBe(2);
    b.release();
    b.release(); // once
    await flush();
    expect(order).toEqual(['c', 'd']);
    expect(budget.held).toBe(95);
    expect((await c).waitedMs).toBeGreaterThanOrEqual(0);
    expect(budget.waits).toBe(2);
    a.release();
    (await c).release();
    (await d).release();
    expect(budget.held).toBe(0);
    expect(budget.peak).toBe(100);
  });

  it('never deadlocks: a reservation goes ahead when nothing is held, even one larger than the budget', async () => {
    const budget = new MemoryBudget(100);
    const huge = await budget.reserve(10_000);
    expect(budget.held).toBe(10_000);
    const next = budget.reserve(1);
    let granted = false;
    void next.then(() => {
      granted = true;
    });
    await flush();
    expect(granted).toBe(false);
    huge.release();
    await flush();
    expect(granted).toBe(true);
  });

  it('a page larger than its estimate holds its true size and keeps the next reads waiting', async () => {
    const budget = new MemoryBudget(100);
    const a = await budget.reserve(10);
    a.resize(95);
    expect(budget.held).toBe(95);
    let granted = false;
    const b = budget.reserve(10).then((hold) => {
      granted = true;
      return hold;
    });
    await flush();
    expect(granted).toBe(false);
    a.resize(50); // smaller after all: room again
    await flush();
    expect(granted).toBe(true);
    a.release();
    (await b).release();
    expect(budget.held).toBe(0);
  });

  it('estimates a read from the last page of its shard, else the average page seen', async () => {
    const budget = new MemoryBudget(1_000);
    // Before any page: the first-read estimate, at most the budget (first reads of many shards do not all go at once).
    expect(budget.estimate(undefined)).toBe(1_000);
    expect(new MemoryBudget(DEFAULT_MAX_BUFFERED_BYTES).estimate(undefined)).toBe(FIRST_READ_ESTIMATE);
    expect(budget.estimate(0)).toBe(0);
    const hold = await budget.reserve(0);
    hold.resize(200);
    hold.release();
    expect(budget.estimate(undefined)).toBe(200);
    expect(budget.estimate(0)).toBe(200);
    expect(budget.estimate(500)).toBe(500);
  });

  it('a waiting reservation whose signal aborts rejects with AbortedError and lets the next one in', async () => {
    const budget = new MemoryBudget(100);
    const a = await budget.reserve(100);
    const stop = new AbortController();
    const aborted = budget.reserve(50, stop.signal);
    const next = budget.reserve(50);
    stop.abort();
    await expect(aborted).rejects.toBeInstanceOf(AbortedError);
    a.release();
    await expect(next).resolves.toBeDefined();
    expect(budget.held).toBe(50);
    await expect(budget.reserve(1, stop.signal)).rejects.toBeInstanceOf(AbortedError);
  });

  it('holds at most the budget while several pages are held, and grants every reservation (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.integer({ min: 0, max: 150 }), fc.constant(-1)), { minLength: 1, maxLength: 60 }),
        async (steps) => {
          const budget = new MemoryBudget(100);
          const held: BudgetHold[] = [];
          const sizes = new Map<BudgetHold, number>();
          let asked = 0;
          let granted = 0;
          for (const step of steps) {
            if (step >= 0) {
              asked++;
              void budget.reserve(step).then((hold) => {
                granted++;
                held.push(hold);
                sizes.set(hold, step);
              });
            } else {
              held.shift()?.release();
            }
            await flush();
            // Over the budget only by one page granted when nothing else was held (pages of 0 bytes
            // may join it: they add nothing).
            const largest = Math.max(0, ...held.map((hold) => sizes.get(hold) ?? 0));
            if (held.length > 1) expect(budget.held).toBeLessThanOrEqual(Math.max(100, largest));
          }
          while (held.length > 0 || granted < asked) {
            held.shift()?.release();
            await flush();
          }
          expect(granted).toBe(asked);
          expect(budget.held).toBe(0);
        },
      ),
      { numRuns: 100, examples: [[[0, 101, 0]]] },
    );
  });
});

describe('memoryBudget (the maxBufferedBytes option)', () => {
  it('defaults to 64 MiB; Infinity is no budget', () => {
    expect(memoryBudget(undefined).maxBytes).toBe(DEFAULT_MAX_BUFFERED_BYTES);
    expect(memoryBudget(Number.POSITIVE_INFINITY).maxBytes).toBe(Number.POSITIVE_INFINITY);
  });

  it('refuses what is not a positive number with INVALID_OPTION naming the option', () => {
    for (const bad of [0, -5, Number.NaN, '10' as unknown as number]) {
      expect(() => memoryBudget(bad)).toThrow(
        expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringContaining('maxBufferedBytes') }),
      );
    }
  });
});
