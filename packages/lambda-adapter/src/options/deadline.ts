/** The part of a Lambda context the deadline needs. */
export interface RemainingTime {
  getRemainingTimeInMillis?: () => number;
}

/** Default margin kept between the last record start and Lambda's timeout, in ms. */
export const DEFAULT_DEADLINE_MARGIN_MS = 1_000;

/**
 * The epoch ms after which no record starts: now + remaining time - margin. `undefined` when the
 * context cannot say how much time is left (a context built by hand without
 * `getRemainingTimeInMillis`): then there is no deadline.
 */
export function deadlineOf(context: RemainingTime | undefined, marginMs: number, now: number): number | undefined {
  const remaining = context?.getRemainingTimeInMillis?.();
  if (typeof remaining !== 'number' || !Number.isFinite(remaining)) return undefined;
  return now + remaining - marginMs;
}
