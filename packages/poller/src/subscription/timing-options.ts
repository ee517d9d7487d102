import { InvalidInputError } from '@streamshare/core';
import { describeThrown, readThrownProperty } from '@streamshare/core/internal';

/** The fewest milliseconds between two SubscribeToShard calls of a consumer and shard that AWS takes. */
export const MIN_RESUBSCRIBE_INTERVAL_MS = 5_000;

/** The longest delay a timer takes (larger ones fire at once). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Reads the poller's `subscription` option (`PollerOptions.subscription`) into subscribeShard's timings (`silenceMs`,
 * `minSubscribeIntervalMs`), each left out when not given (its default applies). Pure.
 * @throws InvalidInputError (`INVALID_OPTION`, naming the setting) when it is not an object, when
 * `silenceTimeoutMs` is not a positive number of milliseconds, when `resubscribeIntervalMs` is below
 * 5000 ms, either above 2^31-1 ms, when it has a setting of another name, or when it is given
 * without `consumerArn`.
 * @internal
 */
export function subscriptionTimings(
  value: unknown,
  consumerArn: unknown,
): { silenceMs?: number; minSubscribeIntervalMs?: number } {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalid(
      `subscription must be an object ({ silenceTimeoutMs, resubscribeIntervalMs }), got ${describeThrown(value)}`,
    );
  }
  if (consumerArn === undefined) {
    throw invalid('subscription sets the timings of enhanced fan-out: give consumerArn too, or leave subscription out');
  }
  let keys: string[];
  try {
    keys = Object.keys(value);
  } catch (thrown) {
    throw invalid(`subscription could not be read: ${describeThrown(thrown)}`);
  }
  for (const key of keys) {
    if (key !== 'silenceTimeoutMs' && key !== 'resubscribeIntervalMs') {
      throw invalid(`subscription.${key} is not a setting (silenceTimeoutMs, resubscribeIntervalMs)`);
    }
  }
  const silence = readThrownProperty(value, 'silenceTimeoutMs');
  const interval = readThrownProperty(value, 'resubscribeIntervalMs');
  const out: { silenceMs?: number; minSubscribeIntervalMs?: number } = {};
  if (silence !== undefined) {
    if (!isMilliseconds(silence) || silence <= 0) {
      throw invalid(
        `subscription.silenceTimeoutMs must be a positive number of milliseconds up to ${MAX_TIMER_MS}, got ${describeThrown(silence)}`,
      );
    }
    out.silenceMs = silence;
  }
  if (interval !== undefined) {
    if (!isMilliseconds(interval) || interval < MIN_RESUBSCRIBE_INTERVAL_MS) {
      throw invalid(
        `subscription.resubscribeIntervalMs must be a number of milliseconds from ${MIN_RESUBSCRIBE_INTERVAL_MS} ` +
          `(AWS refuses a subscription within 5 s of the last one of a shard: ResourceInUseException) up to ${MAX_TIMER_MS}, got ${describeThrown(interval)}`,
      );
    }
    out.minSubscribeIntervalMs = interval;
  }
  return out;
}

function isMilliseconds(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value <= MAX_TIMER_MS;
}

function invalid(message: string): InvalidInputError {
  return new InvalidInputError('INVALID_OPTION', `createPoller: ${message}`);
}
