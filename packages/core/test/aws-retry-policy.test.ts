import { type BackoffOptions, backoffDelay, type RetryVerdict, retryCall, sleep } from '@streamshare/core/internal';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const FAST: BackoffOptions = { minMs: 1, maxMs: 2 };
const always = (error: unknown): RetryVerdict => ({ error, backoff: FAST });

/** A call that fails `failures` times with `error`, then returns `value`. */
function failing<T>(failures: number, error: unknown, value: T) {
  const seen: number[] = [];
  return {
    seen,
    call: async (attempt: number) => {
      seen.push(attempt);
      if (seen.length <= failures) throw error;
      return value;
    },
  };
}

describe('backoffDelay', () => {
  it('draws each wait from the upper half of an exponential ceiling, capped', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.double({ min: 1, max: 4, noNaN: true }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (retry, minMs, maxMs, factor, r) => {
          const ceiling = Math.min(maxMs, minMs * factor ** (retry - 1));
          const delay = backoffDelay(retry, { minMs, maxMs, factor }, () => r);
          expect(Number.isInteger(delay)).toBe(true);
          expect(delay).toBeGreaterThanOrEqual(Math.floor(ceiling / 2));
          expect(delay).toBeLessThanOrEqual(ceiling);
          expect(backoffDelay(retry, { minMs, maxMs, factor, jitter: false })).toBe(ceiling);
        },
      ),
    );
  });

  it('grows by the factor (2 by default) up to the cap', () => {
    const top = () => 0.999_999;
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, { minMs: 100, maxMs: 1_000 }, top))).toEqual([
      99, 199, 399, 799, 999,
    ]);
    expect([1, 2, 3].map((n) => backoffDelay(n, { minMs: 100, maxMs: 1_000, factor: 3 }, () => 0))).toEqual([
      50, 150, 450,
    ]);
    expect(backoffDelay(1, { minMs: 100, maxMs: 1_000, jitter: false })).toBe(100);
  });
});

describe('sleep', () => {
  it('ends at once when the signal aborts, and never rejects', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const waiting = sleep(60_000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(waiting).resolves.toBeUndefined();
    expect(Date.now() - started).toBeLessThan(1_000);
    await expect(sleep(60_000, controller.signal)).resolves.toBeUndefined();
  });
});

describe('retryCall', () => {
  it('retries until the call succeeds, telling each wait', async () => {
    const { call, seen } = failing(2, new Error('flaky'), 'done');
    const waits: [number, number][] = [];
    const value = await retryCall(call, {
      verdict: always,
      onRetry: (_verdict, attempt, delayMs) => waits.push([attempt, delayMs]),
    });
    expect(value).toBe('done');
    expect(seen).toEqual([1, 2, 3]);
    expect(waits.map(([attempt]) => attempt)).toEqual([1, 2]);
    for (const [, delay] of waits) expect(delay).toBeLessThanOrEqual(2);
  });

  it('gives up after `attempts`, with the last verdict error', async () => {
    const { call, seen } = failing(10, new Error('down'), 'never');
    const typed = new Error('typed');
    await expect(retryCall(call, { attempts: 3, verdict: () => ({ error: typed, backoff: FAST }) })).rejects.toBe(
      typed,
    );
    expect(seen).toEqual([1, 2, 3]);
  });

  it('does not retry what the verdict refuses, and throws what the verdict throws', async () => {
    const refused = failing(1, new Error('fatal'), 'never');
    await expect(retryCall(refused.call, { verdict: (error) => ({ error, backoff: undefined }) })).rejects.toThrow(
      'fatal',
    );
    expect(refused.seen).toEqual([1]);
    const lost = new Error('lease lost');
    const thrown = failing(1, new Error('x'), 'never');
    await expect(
      retryCall(thrown.call, {
        verdict: () => {
          throw lost;
        },
      }),
    ).rejects.toBe(lost);
  });

  it('retries a TypeError and any thrown value when the verdict says so (p-retry alone would not)', async () => {
    for (const thrown of [new TypeError('fetch failed'), 'a string', undefined, null, 42]) {
      const { call, seen } = failing(2, thrown, 'ok');
      await expect(retryCall(call, { verdict: always })).resolves.toBe('ok');
      expect(seen).toEqual([1, 2, 3]);
      const again = failing(5, thrown, 'ok');
      await expect(retryCall(again.call, { attempts: 2, verdict: always })).rejects.toBe(thrown);
    }
  });

  it('makes the first attempt even when already aborted, and keeps a success', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(retryCall(async () => 'written', { signal: controller.signal, verdict: always })).resolves.toBe(
      'written',
    );
  });

  it('stops waiting when the signal aborts, with what `aborted` makes', async () => {
    const controller = new AbortController();
    const { call, seen } = failing(10, new Error('down'), 'never');
    const started = Date.now();
    const retrying = retryCall(call, {
      signal: controller.signal,
      verdict: (error) => ({ error, backoff: { minMs: 60_000, maxMs: 60_000 } }),
      aborted: (verdict) => new Error(`stopped after ${(verdict.error as Error).message}`),
    });
    setTimeout(() => controller.abort(), 20);
    await expect(retrying).rejects.toThrow('stopped after down');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(seen).toEqual([1]);
  });

  it('neither waits nor tells a retry when the signal aborted during the attempt', async () => {
    const controller = new AbortController();
    const retries: number[] = [];
    const retrying = retryCall(
      async () => {
        controller.abort();
        throw new Error('down');
      },
      { signal: controller.signal, verdict: always, aborted: () => 'aborted', onRetry: (_v, n) => retries.push(n) },
    );
    await expect(retrying).rejects.toBe('aborted');
    expect(retries).toEqual([]);
  });

  it('throws the last error rather than wait past the deadline', async () => {
    const { call, seen } = failing(10, new Error('throttled'), 'never');
    const started = Date.now();
    await expect(
      retryCall(call, {
        deadline: Date.now() + 50,
        verdict: (error) => ({ error, backoff: { minMs: 30, maxMs: 30, jitter: false } }),
      }),
    ).rejects.toThrow('throttled');
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(45);
    expect(took).toBeLessThan(2_000);
    // 30 ms, then what is left of the 50 (a timer may fire a millisecond early: one more short wait).
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(seen.length).toBeLessThanOrEqual(4);
  });

  it('waits the policy backoff between attempts', async () => {
    const { call } = failing(2, new Error('x'), 'ok');
    const started = Date.now();
    await retryCall(call, { verdict: (error) => ({ error, backoff: { minMs: 40, maxMs: 1_000 } }), random: () => 0 });
    // 20 ms then 40 ms: the lower halves of the ceilings 40 and 80.
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
  });
});
