import type { StreamshareError } from '@streamshare/core';
import { type BackoffOptions, type RetryCallOptions, type RetryVerdict, retryCall } from '@streamshare/core/internal';
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
export interface RetryingCallOptions
  extends Pick<RetryCallOptions<KinesisVerdict>, 'signal' | 'deadline' | 'attempts'> {
  readonly context: CallContext;
  readonly logger?: Logger | undefined;
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
 * 5xx) until it succeeds, `signal` aborts, or `attempts` / `deadline` is reached (then the last,
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
    attempts: options.attempts,
    deadline: options.deadline,
    signal,
    verdict: (error) => {
      if (signal?.aborted) throw new AbortedError(action);
      const { kind, error: typed } = classifyKinesisError(error, context);
      const throttled = kind === 'throttled';
      // Throttled calls back off 200 ms .. 10 s; network errors and 5xx 100 ms .. 10 s.
      const backoff = throttled ? THROTTLE_BACKOFF : kind === 'transient' ? TRANSIENT_BACKOFF : undefined;
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
