/**
 * The one retry policy of streamshare: one exponential backoff with one jitter, one retry helper (on
 * p-retry), one abortable sleep. Used by processBatch's in-place retries, the poller's Kinesis calls,
 * checkpoint calls and lease table, and the EventBridge bridge.
 *
 * The jitter is "equal jitter": each wait is drawn uniformly from the upper half of its exponential
 * ceiling. Waits stay spread (shards or records throttled together do not retry together) and never
 * fall below half the ceiling, so a throttled Kinesis shard (5 reads/s) or a struggling DynamoDB table is
 * always given a real pause, which full jitter (a draw from [0, ceiling]) does not promise.
 */
import pRetry, { AbortError } from 'p-retry';

/** An exponential backoff: the wait before retry n (1-based) has the ceiling `min(maxMs, minMs × factor^(n−1))`. */
export interface BackoffOptions {
  /** The ceiling of the first wait, in ms. */
  readonly minMs: number;
  /** The largest ceiling, in ms. */
  readonly maxMs: number;
  /** Growth of the ceiling per retry (default 2). */
  readonly factor?: number;
  /** Draw each wait from the upper half of its ceiling (default true); false waits the ceiling itself. */
  readonly jitter?: boolean;
}

/**
 * The wait before retry number `retry` (1-based), in ms: with jitter, a whole number drawn uniformly from
 * [ceiling/2, ceiling] ("equal jitter"); without, the ceiling. Pure given `random`.
 */
export function backoffDelay(retry: number, backoff: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(backoff.maxMs, backoff.minMs * (backoff.factor ?? 2) ** Math.max(0, retry - 1));
  if (backoff.jitter === false) return ceiling;
  return Math.floor(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * Resolves after `ms`, or at once when `signal` aborts (it never rejects): callers check the signal
 * after waking. `unref` lets the process exit during the wait.
 */
export function sleep(ms: number, signal?: AbortSignal, options: { readonly unref?: boolean } = {}): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    if (options.unref) timer.unref?.();
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** What a failed attempt leads to, as {@link RetryCallOptions.verdict} reads it. */
export interface RetryVerdict {
  /** What {@link retryCall} throws when it gives up after this attempt (the error thrown, or a typed one). */
  readonly error: unknown;
  /** The backoff before the next attempt; undefined: do not retry, throw `error` now. */
  readonly backoff: BackoffOptions | undefined;
}

/** Options of {@link retryCall}. `V` lets a caller carry its own reading of the error to `onRetry`. */
export interface RetryCallOptions<V extends RetryVerdict = RetryVerdict> {
  /** Attempts in all, the first included (default: no limit). */
  readonly attempts?: number | undefined;
  /**
   * Reads a failed attempt (its error and number). May throw instead: what it throws is thrown at once,
   * without retry (a typed error, a lost lease...).
   */
  readonly verdict: (error: unknown, attempt: number) => V;
  /**
   * Ends the retries: checked before each wait and after it (the wait ends at once when it aborts). The
   * first attempt is made even when it already aborted, and a success is kept whenever it comes.
   */
  readonly signal?: AbortSignal | undefined;
  /** What to throw when `signal` ended the retries (default: the last verdict's error). */
  readonly aborted?: ((verdict: V) => unknown) | undefined;
  /** No wait goes past this time (epoch ms); once it is reached, the last verdict's error is thrown. */
  readonly deadline?: number | undefined;
  /** Told before each wait: the verdict, the attempt that failed and the wait in ms (for logs and metrics). */
  readonly onRetry?: ((verdict: V, attempt: number, delayMs: number) => void) | undefined;
  /** Let the process exit during a wait (default false). */
  readonly unref?: boolean | undefined;
  /** Randomness of the jitter (tests). */
  readonly random?: (() => number) | undefined;
}

/**
 * Carries what {@link retryCall} throws through p-retry: p-retry wraps a thrown non-Error in a TypeError
 * and never retries a TypeError, while here the verdict alone decides.
 */
class Carried extends Error {
  constructor(readonly thrown: unknown) {
    super('carried through p-retry');
  }
}

/**
 * Runs `call` until it succeeds, retrying failures whose {@link RetryCallOptions.verdict} gives a backoff,
 * with {@link backoffDelay}'s jitter, while the attempts, the deadline and the signal allow. Rejects with
 * the last verdict's error when it gives up, with what the verdict threw, or with `aborted(verdict)`
 * when the signal ended the retries.
 *
 * p-retry runs the loop (attempt count, stop on a refused error, the hooks); three of its defaults are
 * set aside because every caller needs otherwise: its wait (its own jitter, a draw in [1×, 2×] that
 * sticks at the cap, replaced by the wait made here in `shouldRetry`), its refusal to retry a TypeError
 * or a non-Error (the verdict decides), and its `signal` (which skips even the first attempt when
 * already aborted and drops a success that returns after the abort: a checkpoint must be written once
 * the batch is done).
 *
 * The first attempt is made before p-retry is set up: nearly every call succeeds at once, and on the
 * poller's path (a GetRecords and a checkpoint write per page) p-retry's machinery would then be pure
 * cost. A first failure is handed to p-retry as its first attempt's, so the loop is the same.
 */
export async function retryCall<T, V extends RetryVerdict = RetryVerdict>(
  call: (attempt: number) => T | Promise<T>,
  options: RetryCallOptions<V>,
): Promise<T> {
  let firstFailure: { readonly error: unknown } | undefined;
  try {
    return await call(1);
  } catch (error) {
    firstFailure = { error };
  }
  return retryAfterFirst(call, options, firstFailure);
}

/** {@link retryCall} once its first attempt failed with `first.error`. */
async function retryAfterFirst<T, V extends RetryVerdict>(
  call: (attempt: number) => T | Promise<T>,
  options: RetryCallOptions<V>,
  first: { readonly error: unknown } | undefined,
): Promise<T> {
  let pending = first;
  const { signal, deadline } = options;
  const attempts = options.attempts;
  const retries =
    attempts === undefined || Number.isNaN(attempts) ? Number.POSITIVE_INFINITY : Math.max(0, Math.ceil(attempts) - 1);
  let last: V | undefined;
  const stop = (verdict: V) => new Carried(options.aborted ? options.aborted(verdict) : verdict.error);
  try {
    return await pRetry(
      async (attempt) => {
        try {
          if (pending !== undefined) {
            const failure = pending;
            pending = undefined;
            throw failure.error;
          }
          return await call(attempt);
        } catch (error) {
          let verdict: V;
          try {
            verdict = options.verdict(error, attempt);
          } catch (thrown) {
            throw new AbortError(new Carried(thrown));
          }
          last = verdict;
          if (verdict.backoff === undefined) throw new AbortError(new Carried(verdict.error));
          throw new Carried(verdict.error);
        }
      },
      {
        retries,
        minTimeout: 0,
        shouldRetry: async ({ attemptNumber }) => {
          const verdict = last as V;
          if (signal?.aborted) throw stop(verdict);
          let delay = backoffDelay(attemptNumber, verdict.backoff as BackoffOptions, options.random);
          if (deadline !== undefined) {
            const left = deadline - Date.now();
            if (left <= 0) return false;
            delay = Math.min(delay, left);
          }
          options.onRetry?.(verdict, attemptNumber, delay);
          await sleep(delay, signal, { unref: options.unref === true });
          if (signal?.aborted) throw stop(verdict);
          return true;
        },
      },
    );
  } catch (error) {
    throw error instanceof Carried ? error.thrown : error;
  }
}
