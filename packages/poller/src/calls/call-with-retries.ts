import type { StreamshareError } from '@streamshare/core';
import { type BackoffOptions, type RetryVerdict, retryCall } from '@streamshare/core/internal';
import type { Logger } from 'pino';
import { type CallContext, classifyKinesisError } from '../errors/classify.js';
import { PollerError } from '../errors/poller-error.js';

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

/** A failed Kinesis call as the retries read it: the typed error, and whether it was throttling (counted apart). */
interface KinesisVerdict extends RetryVerdict {
  readonly error: StreamshareError;
  readonly throttled: boolean;
}

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
  if (signal?.aborted) throw new AbortedError(action);
  return retryCall<T, KinesisVerdict>(() => call(signal), {
    attempts: options.maxAttempts,
    deadline: options.deadline,
    signal,
    verdict: (error) => {
      if (signal?.aborted) throw new AbortedError(action);
      const { kind, error: typed } = classifyKinesisError(error, context);
      const throttled = kind === 'throttled';
      const backoff = throttled
        ? (options.throttleBackoff ?? THROTTLE_BACKOFF)
        : kind === 'transient'
          ? (options.transientBackoff ?? TRANSIENT_BACKOFF)
          : undefined;
      return { error: typed, backoff, throttled };
    },
    aborted: () => new AbortedError(action),
    onRetry: ({ error, throttled }, attempt, delayMs) => {
      if (throttled) options.onThrottle?.(action);
      else options.onRetry?.(action, error);
      logger?.[attempt >= 5 ? 'warn' : 'debug'](
        { action, attempt, delayMs, code: error.code, err: error.message },
        throttled ? 'throttled, backing off' : 'call failed, retrying',
      );
    },
  });
}
