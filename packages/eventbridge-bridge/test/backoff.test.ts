import { describe, expect, it } from 'vitest';
import { backoffDelay, retrySchedule, sleep } from '../src/send/backoff.js';
import { isRetryableCallError } from '../src/send/classify.js';

const ok = (_name: string, valid: boolean) => {
  if (!valid) throw new Error('invalid');
};

describe('backoff', () => {
  it('grows exponentially up to the ceiling, and full jitter draws below it', () => {
    const schedule = retrySchedule({ minDelayMs: 100, maxDelayMs: 1_000, factor: 2, jitter: false }, ok);
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(schedule, n))).toEqual([100, 200, 400, 800, 1_000]);
    const jittered = retrySchedule({ minDelayMs: 100, maxDelayMs: 1_000 }, ok);
    expect(backoffDelay(jittered, 3, () => 0.5)).toBe(200);
    expect(backoffDelay(jittered, 3, () => 0)).toBe(0);
  });

  it('defaults to 5 attempts, 100 ms, 5 s, factor 2, jitter', () => {
    expect(retrySchedule(undefined, ok)).toEqual({
      attempts: 5,
      minDelayMs: 100,
      maxDelayMs: 5_000,
      factor: 2,
      jitter: true,
    });
  });

  it('stops waiting when the signal aborts', async () => {
    const controller = new AbortController();
    const waiting = sleep(60_000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
  });
});

describe('call errors', () => {
  it('retries throttling, 5xx and network errors, not validation or access errors', () => {
    const sdk = (name: string, status?: number) =>
      Object.assign(new Error(name), { name, $metadata: status === undefined ? {} : { httpStatusCode: status } });
    expect(isRetryableCallError(sdk('ThrottlingException', 400))).toBe(true);
    expect(isRetryableCallError(sdk('InternalException', 500))).toBe(true);
    expect(isRetryableCallError(sdk('Whatever', 503))).toBe(true);
    expect(isRetryableCallError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isRetryableCallError(sdk('ValidationException', 400))).toBe(false);
    expect(isRetryableCallError(sdk('AccessDeniedException', 400))).toBe(false);
    expect(isRetryableCallError(sdk('AbortError'))).toBe(false);
    expect(isRetryableCallError(new TypeError('bug'))).toBe(false);
  });
});
