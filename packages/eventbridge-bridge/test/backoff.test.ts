import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { backoffDelay } from '@streamshare/core/internal';
import { describe, expect, it } from 'vitest';
import { hostileThrownValues } from '../../core/test/fixtures/hostile-thrown.js';
import { retrySchedule, scheduleBackoff } from '../src/send/backoff.js';
import { isRetryableCallError } from '../src/send/classify.js';
import { putChunk } from '../src/send/put-chunk.js';

const ok = (_name: string, valid: boolean) => {
  if (!valid) throw new Error('invalid');
};

describe('backoff', () => {
  it('grows exponentially up to the ceiling, and jitter draws in its upper half', () => {
    const schedule = retrySchedule({ minDelayMs: 100, maxDelayMs: 1_000, factor: 2, jitter: false }, ok);
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, scheduleBackoff(schedule)))).toEqual([100, 200, 400, 800, 1_000]);
    const jittered = scheduleBackoff(retrySchedule({ minDelayMs: 100, maxDelayMs: 1_000 }, ok));
    expect(backoffDelay(3, jittered, () => 0.5)).toBe(300);
    expect(backoffDelay(3, jittered, () => 0)).toBe(200);
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
    // Nothing listens on port 1: every send fails with a network error, then waits a minute.
    const client = new EventBridgeClient({
      region: 'ap-northeast-1',
      endpoint: 'http://127.0.0.1:1',
      credentials: { accessKeyId: 'AKIDLOOPBACK', secretAccessKey: 'loopback-secret' },
      maxAttempts: 1,
    });
    const controller = new AbortController();
    const logger = { debug: () => {}, warn: () => setTimeout(() => controller.abort(new Error('stop')), 20) };
    const retry = retrySchedule({ minDelayMs: 60_000, maxDelayMs: 60_000, jitter: false }, ok);
    const started = Date.now();
    const sending = putChunk([{ Source: 's', DetailType: 'd', Detail: '{}' }], {
      client,
      retry,
      logger,
      signal: controller.signal,
    });
    await expect(sending).rejects.toThrow('stop');
    expect(Date.now() - started).toBeLessThan(10_000);
    client.destroy();
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

  it('never throws, whatever the call threw (a hostile Proxy made the old check throw)', () => {
    for (const [label, make] of Object.entries(hostileThrownValues)) {
      expect(() => isRetryableCallError(make()), label).not.toThrow();
    }
  });
});
