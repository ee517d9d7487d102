import { isTransient } from './aws-errors.js';

/** How DynamoDB calls are retried on throttling, 5xx and network errors (on top of the SDK's own retries). */
export interface LeaseRetryOptions {
  /** Attempts in all, first included (default 4). */
  readonly attempts?: number;
  /** First backoff in ms; doubles each attempt, full jitter (default 100). */
  readonly baseDelayMs?: number;
  /** Backoff cap in ms (default 2_000). */
  readonly maxDelayMs?: number;
}

/** The wait before retry number `attempt` (1-based): full jitter over an exponential ceiling. */
export function backoffDelay(attempt: number, base: number, max: number, random: () => number = Math.random): number {
  const ceiling = Math.min(max, base * 2 ** (attempt - 1));
  return Math.floor(random() * ceiling);
}

/**
 * Runs `call`, retrying transient failures with exponential backoff and full jitter. Rethrows the
 * last error when the attempts are used up, and any non-transient error at once.
 */
export async function withRetry<T>(call: () => Promise<T>, options: LeaseRetryOptions = {}): Promise<T> {
  const attempts = Math.max(1, options.attempts ?? 4);
  const base = options.baseDelayMs ?? 100;
  const max = options.maxDelayMs ?? 2_000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= attempts || !isTransient(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, backoffDelay(attempt, base, max)));
    }
  }
}
