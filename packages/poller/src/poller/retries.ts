/**
 * The poller's own retries, on core's one policy (`retryCall`, `backoffDelay`) and core's one AWS
 * error classifier: the backoffs of the start and of the periodic shard sync, and what counts as a
 * failure that may pass by itself.
 * @internal
 */
import { StreamshareError } from '@streamshare/core';
import { type BackoffOptions, backoffDelay, classifyAwsError, isRetryable } from '@streamshare/core/internal';
import { isInstance } from '../errors/instance.js';

/** Backoff between attempts of the start (prepare the store, first listing): 200 ms growing to 5 s. */
export const START_BACKOFF: BackoffOptions = { minMs: 200, maxMs: 5_000 };

/** The smallest pause after a failed periodic shard sync, in ms. */
const SYNC_FAILURE_MIN_MS = 1_000;

/**
 * True when a failure of the start or of a shard sync may go away by itself (the same call may
 * succeed after a pause): a streamshare error by its `retryable` flag (the Kinesis calls, the lease
 * table and the checkpoint stores have read the AWS error already); any other value (thrown by a
 * coordinator or a store of one's own) when core's `classifyAwsError` reads it as throttling, a 5xx
 * or a network error. Never throws, whatever was thrown.
 */
export function isTransientFailure(error: unknown): boolean {
  if (isInstance(error, StreamshareError)) return isRetryable(error);
  return isRetryable(error) || classifyAwsError(error).retryable;
}

/**
 * The pause before the next periodic shard sync after `failures` failed syncs in a row (1-based):
 * core's backoff, from 1 s up to the sync period `tickMs` (never slower than the syncs that work).
 */
export function syncFailureDelay(failures: number, tickMs: number): number {
  return backoffDelay(failures, { minMs: SYNC_FAILURE_MIN_MS, maxMs: Math.max(SYNC_FAILURE_MIN_MS, tickMs) });
}
