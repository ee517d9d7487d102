import type { Logger } from 'pino';
import { type CallContext, classifyKinesisError } from '../errors/classify.js';
import { PollerError } from '../errors/poller-error.js';
import { type BackoffOptions, backoffDelay } from '../util/backoff.js';
import { sleep } from '../util/sleep.js';

/**
 * The call was abandoned because the poller (or the shard) is stopping.
 * @internal
 */
export class AbortedError extends PollerError {
  constructor(action: string) {
    super('ABORTED', `${action} was abandoned: stopping`, { retryable: false });
  }
}

/**
 * Options of {@link callWithRetries}.
 * @internal
 */
export interface RetryingCallOptions {
  readonly context: CallContext;
  readonly signal?: AbortSignal | undefined;
  readonly logger?: Logger | undefined;
  /** Backoff of throttled calls (default 200 ms .. 10 s). */
  readonly throttleBackoff?: BackoffOptions | undefined;
  /** Backoff of network errors and 5xx (default 100 ms .. 10 s). */
  readonly transientBackoff?: BackoffOptions | undefined;
  /** Give up after this many attempts (default: never, while not aborted). */
  readonly maxAttempts?: number | undefined;
  /**
   * Give up (throwing the last, retryable, error) rather than wait past this time (epoch ms).
   * Default: no deadline.
   */
  readonly deadline?: number | undefined;
  readonly onThrottle?: ((action: string) => void) | undefined;
  readonly onRetry?: ((action: string, error: unknown) => void) | undefined;
}

const THROTTLE_BACKOFF: BackoffOptions = { minMs: 200, maxMs: 10_000 };
const TRANSIENT_BACKOFF: BackoffOptions = { minMs: 100, maxMs: 10_000 };

/**
 * Runs one Kinesis call, retrying throttling (backoff with jitter) and transient failures (network,
 * 5xx) until it succeeds, `signal` aborts, or `maxAttempts` / `deadline` is reached (then the last,
 * retryable, error is thrown). Throws the typed error of anything else (AccessDenied,
 * not found, KMS, ExpiredIterator: the caller decides) and {@link AbortedError} when stopped.
 * @internal
 */
export async function callWithRetries<T>(
  call: (signal: AbortSignal | undefined) => Promise<T>,
  options: RetryingCallOptions,
): Promise<T> {
  const { context, signal, logger } = options;
  const action = `kinesis:${context.action}`;
  for (let attempt = 1; ; attempt++) {
    if (signal?.aborted) throw new AbortedError(action);
    try {
      return await call(signal);
    } catch (error) {
      if (signal?.aborted) throw new AbortedError(action);
      const classified = classifyKinesisError(error, context);
      const retry = classified.kind === 'throttled' || classified.kind === 'transient';
      if (!retry || attempt >= (options.maxAttempts ?? Number.POSITIVE_INFINITY)) throw classified.error;
      const throttled = classified.kind === 'throttled';
      let delay = backoffDelay(
        attempt,
        throttled ? (options.throttleBackoff ?? THROTTLE_BACKOFF) : (options.transientBackoff ?? TRANSIENT_BACKOFF),
      );
      if (options.deadline !== undefined) {
        const left = options.deadline - Date.now();
        if (left <= 0) throw classified.error;
        delay = Math.min(delay, left);
      }
      if (throttled) options.onThrottle?.(action);
      else options.onRetry?.(action, classified.error);
      const level = attempt >= 5 ? 'warn' : 'debug';
      logger?.[level](
        { action, attempt, delayMs: delay, code: classified.error.code, err: classified.error.message },
        throttled ? 'throttled, backing off' : 'call failed, retrying',
      );
      await sleep(delay, signal);
    }
  }
}
