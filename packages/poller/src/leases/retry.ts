import { retryCall } from '@streamshare/core/internal';
import { isTransient } from './aws-errors.js';

/** How DynamoDB calls are retried on throttling, 5xx and network errors (on top of the SDK's own retries). */
export interface LeaseRetryOptions {
  /** Attempts in all, first included (default 4). */
  readonly attempts?: number;
  /** Ceiling of the first backoff in ms; doubles each attempt, with the shared jitter (default 100). */
  readonly baseDelayMs?: number;
  /** Backoff cap in ms (default 2_000). */
  readonly maxDelayMs?: number;
}

/**
 * Runs `call`, retrying transient failures with core's backoff and jitter. Rethrows the last error
 * when the attempts are used up, and any non-transient error at once.
 */
export function withRetry<T>(call: () => Promise<T>, options: LeaseRetryOptions = {}): Promise<T> {
  const backoff = { minMs: options.baseDelayMs ?? 100, maxMs: options.maxDelayMs ?? 2_000 };
  return retryCall(call, {
    attempts: Math.max(1, options.attempts ?? 4),
    verdict: (error) => ({ error, backoff: isTransient(error) ? backoff : undefined }),
  });
}
