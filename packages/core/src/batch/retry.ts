import pRetry, { AbortError } from 'p-retry';
import { isRetryable } from '../errors/streamshare-error.js';
import type { RetryOptions } from './types.js';

/** RetryOptions with defaults applied. */
export interface RetryPolicy {
  readonly attempts: number;
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
  readonly factor: number;
  readonly jitter: boolean;
  readonly isRetryable: (error: unknown) => boolean;
}

function positive(name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || value < min) {
    throw new RangeError(`retry.${name} must be a number >= ${min}, got ${String(value)}`);
  }
  return value;
}

/** Applies the defaults: 3 attempts, 100 ms first delay, 5 s at most, factor 2, jitter. */
export function retryPolicy(options: RetryOptions = {}): RetryPolicy {
  const attempts = positive('attempts', options.attempts, 3, 1);
  const predicate = options.isRetryable ?? isRetryable;
  return {
    attempts: Math.floor(attempts),
    minDelayMs: positive('minDelayMs', options.minDelayMs, 100, 0),
    maxDelayMs: positive('maxDelayMs', options.maxDelayMs, 5_000, 0),
    factor: positive('factor', options.factor, 2, 1),
    jitter: options.jitter ?? true,
    isRetryable: (error) => {
      try {
        return predicate(error) === true;
      } catch {
        return false;
      }
    },
  };
}

/** Carries a failed attempt's error through p-retry (which only retries `Error`s that are not TypeErrors). */
class AttemptFailed extends Error {
  constructor(readonly error: unknown) {
    super('attempt failed');
  }
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
  let lastError = firstError;
  let succeeded = false;
  try {
    await pRetry(
      async (n) => {
        if (n === 1) throw new AttemptFailed(firstError);
        last = n;
        try {
          await attempt(n);
        } catch (error) {
          lastError = error;
          if (!policy.isRetryable(error)) throw new AbortError(new AttemptFailed(error));
          throw new AttemptFailed(error);
        }
        succeeded = true;
      },
      {
        retries: policy.attempts - 1,
        minTimeout: policy.minDelayMs,
        maxTimeout: policy.maxDelayMs,
        factor: policy.factor,
        randomize: policy.jitter,
        signal,
        unref: true,
        onFailedAttempt: onRetry
          ? ({ attemptNumber, retriesLeft }) => {
              if (retriesLeft > 0) onRetry(lastError, attemptNumber);
            }
          : undefined,
      },
    );
    return { ok: true, attempts: last, interrupted: false };
  } catch (error) {
    if (succeeded) return { ok: true, attempts: last, interrupted: false };
    const interrupted = !(error instanceof AttemptFailed) && signal.aborted;
    return { ok: false, attempts: last, error: lastError, interrupted };
  }
}
