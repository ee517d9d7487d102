/** The part of a Lambda context the deadline needs. */
export interface RemainingTime {
  getRemainingTimeInMillis?: () => number;
}

/** Default margin kept between the last record start and Lambda's timeout, in ms. */
export const DEFAULT_DEADLINE_MARGIN_MS = 1_000;

/**
 * Default margin kept between the handler's answer and Lambda's timeout, in ms: a record still
 * unfinished then is reported as the first record not done, and the handler answers.
 */
export const DEFAULT_RESPONSE_MARGIN_MS = 500;

/**
 * The time left in the invocation, in ms, or `undefined` when the context cannot say (a context
 * built by hand without `getRemainingTimeInMillis`, or one that throws or answers no number).
 */
export function remainingOf(context: RemainingTime | undefined): number | undefined {
  let remaining: unknown;
  try {
    remaining = context?.getRemainingTimeInMillis?.();
  } catch {
    return undefined;
  }
  return typeof remaining === 'number' && Number.isFinite(remaining) ? remaining : undefined;
}

/**
 * The epoch ms after which no record starts: now + remaining time - margin. `undefined` when the
 * context cannot say how much time is left: then there is no deadline.
 */
export function deadlineOf(context: RemainingTime | undefined, marginMs: number, now: number): number | undefined {
  const remaining = remainingOf(context);
  return remaining === undefined ? undefined : now + remaining - marginMs;
}
