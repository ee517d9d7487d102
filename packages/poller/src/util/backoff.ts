/**
 * Exponential backoff settings.
 * @internal
 */
export interface BackoffOptions {
  /** First delay in ms. */
  readonly minMs: number;
  /** Largest delay in ms. */
  readonly maxMs: number;
  /** Growth per attempt (default 2). */
  readonly factor?: number;
}

/**
 * Delay before retry number `attempt` (1-based): exponential, capped, with "equal jitter" (a random
 * point in the upper half), so that shards throttled together do not retry together. Pure given `random`.
 * @internal
 */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const factor = options.factor ?? 2;
  const base = Math.min(options.maxMs, options.minMs * factor ** Math.max(0, attempt - 1));
  return Math.round(base / 2 + random() * (base / 2));
}
