import { type BackoffOptions, retryCall } from '../aws/retry-policy.js';
import { isRetryable } from '../errors/streamshare-error.js';
import type { RetryOptions } from './types.js';

/** RetryOptions with defaults applied. */
export interface RetryPolicy {
  readonly attempts: number;
  /** The waits between attempts (the shared policy's backoff and jitter). */
  readonly backoff: BackoffOptions;
  readonly isRetryable: (error: unknown) => boolean;
}

function positive(name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || value < min) {
    throw new RangeError(`retry.${name} must be a number >= ${min}, got ${String(value)}`);
  }
  return value;
}

/**
 * Applies the defaults: 3 attempts, 100 ms first delay, 5 s at most, factor 2, jitter. With jitter,
 * the ceiling of each wait is twice the exponential delay, so that the draw in its upper half keeps the
 * documented range: each delay is 1 to 2 times `minDelayMs × factor^(n−1)` (at most `maxDelayMs`).
 */
export function retryPolicy(options: RetryOptions = {}): RetryPolicy {
  const attempts = positive('attempts', options.attempts, 3, 1);
  const predicate = options.isRetryable ?? isRetryable;
  const minDelayMs = positive('minDelayMs', options.minDelayMs, 100, 0);
  const jitter = Boolean(options.jitter ?? true);
  return {
    attempts: Math.floor(attempts),
    backoff: {
      minMs: jitter ? 2 * minDelayMs : minDelayMs,
      maxMs: positive('maxDelayMs', options.maxDelayMs, 5_000, 0),
      factor: positive('factor', options.factor, 2, 1),
      jitter,
    },
    isRetryable: (error) => {
      try {
        return predicate(error) === true;
      } catch {
        return false;
      }
    },
  };
}

/** How a retried operation ended. */
export interface RetryOutcome {
  /** True when an attempt succeeded. */
  readonly ok: boolean;
  /** The attempt that succeeded, or the last one made. */
  readonly attempts: number;
  /** The last attempt's error when not ok. */
  readonly error?: unknown;
  /** True when retries were cut short by the signal (deadline, abort) rather than used up or refused. */
  readonly interrupted: boolean;
}

/** The retries were cut short by the signal; carries the last attempt's error. */
class Interrupted {
  constructor(readonly error: unknown) {}
}

/**
 * Retries `attempt` after a first attempt that already failed with `firstError` (the first attempt
 * runs outside, on the fast path). Only errors the policy deems retryable are retried; backoff
 * and jitter come from the policy; `signal` cuts the waiting short.
 */
export async function retryAfter(
  policy: RetryPolicy,
  firstError: unknown,
  attempt: (attemptNumber: number) => unknown,
  signal: AbortSignal,
  onRetry?: (error: unknown, attemptNumber: number) => void,
): Promise<RetryOutcome> {
  let last = 1;
  try {
    await retryCall(
      async (n) => {
        if (n === 1) throw firstError;
        last = n;
        await attempt(n);
      },
      {
        attempts: policy.attempts,
        // The caller retries the first error only when the policy deems it retryable.
        verdict: (error, n) => ({ error, backoff: n === 1 || policy.isRetryable(error) ? policy.backoff : undefined }),
        signal,
        aborted: ({ error }) => new Interrupted(error),
        onRetry: onRetry && (({ error }, n) => onRetry(error, n)),
        unref: true,
      },
    );
    return { ok: true, attempts: last, interrupted: false };
  } catch (error) {
    if (error instanceof Interrupted) return { ok: false, attempts: last, error: error.error, interrupted: true };
    return { ok: false, attempts: last, error, interrupted: false };
  }
}
