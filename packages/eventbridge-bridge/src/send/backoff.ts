import type { BackoffOptions } from '@streamshare/core/internal';

/** Retries of a PutEvents call and of its failed entries. */
export interface ForwarderRetryOptions {
  /** Total sends of an entry, the first included (default 5). 1 means no retry. */
  readonly attempts?: number;
  /** First backoff in ms (default 100). */
  readonly minDelayMs?: number;
  /** Largest backoff in ms (default 5 000). */
  readonly maxDelayMs?: number;
  /** Exponential factor (default 2). */
  readonly factor?: number;
  /** Jitter: each delay is drawn uniformly from [delay/2, delay], core's one jitter (default true). */
  readonly jitter?: boolean;
}

/** Retry options with defaults applied. */
export interface RetrySchedule {
  readonly attempts: number;
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
  readonly factor: number;
  readonly jitter: boolean;
}

/** Applies the defaults; `check` reports a bad value by option name. */
export function retrySchedule(
  options: ForwarderRetryOptions = {},
  check: (name: string, ok: boolean) => void,
): RetrySchedule {
  const number = (name: keyof ForwarderRetryOptions, fallback: number, min: number): number => {
    const value = options[name];
    if (value === undefined) return fallback;
    check(`retry.${name}`, typeof value === 'number' && Number.isFinite(value) && value >= min);
    return value as number;
  };
  const schedule = {
    attempts: Math.floor(number('attempts', 5, 1)),
    minDelayMs: number('minDelayMs', 100, 0),
    maxDelayMs: number('maxDelayMs', 5_000, 0),
    factor: number('factor', 2, 1),
    jitter: options.jitter ?? true,
  };
  check('retry.jitter', typeof schedule.jitter === 'boolean');
  return schedule;
}

/** The backoff of a schedule, as core's `backoffDelay` takes it. */
export function scheduleBackoff(schedule: RetrySchedule): BackoffOptions {
  return { minMs: schedule.minDelayMs, maxMs: schedule.maxDelayMs, factor: schedule.factor, jitter: schedule.jitter };
}
