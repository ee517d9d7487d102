import { CheckpointError } from '@streamshare/core';
import {
  type BackoffOptions,
  errorFromThrown,
  type RetryVerdict,
  readThrownProperty,
  retryCall,
} from '@streamshare/core/internal';
import type { Logger } from 'pino';
import { AbortedError } from '../calls/call-with-retries.js';
import {
  type CheckpointOperation,
  classifyCheckpointFailure,
  ShardCheckpointError,
} from '../errors/checkpoint-failure.js';
import { type ErrorFields, errorFields } from '../errors/error-fields.js';
import { isInstance } from '../errors/instance.js';

/** Default backoff between attempts of a failed checkpoint call: 250 ms growing to 10 s. */
export const CHECKPOINT_BACKOFF: BackoffOptions = { minMs: 250, maxMs: 10_000 };

/** How long a checkpoint call may keep failing before its retries are logged at error level (still retried). */
export const CHECKPOINT_FAILING_LOUD_AFTER_MS = 30_000;

/**
 * Options of {@link checkpointCall}.
 * @internal
 */
export interface CheckpointCallOptions {
  readonly streamArn: string;
  readonly shardId: string;
  /** Where the checkpoints are kept, for logs and messages. */
  readonly store: string;
  /** Stops the retries: the call then throws {@link AbortedError}. */
  readonly signal: AbortSignal;
  /**
   * The shard's logger: its lines must already carry `shardId` (a pino child with it bound), which the
   * retry lines therefore do not repeat (a key twice in one line is rejected by log stores).
   */
  readonly logger: Logger;
  /** Told when the call starts failing (each failed attempt) and when it succeeds again (for /healthz). */
  readonly onFailing?: ((failing: CheckpointCallFailure | undefined) => void) | undefined;
  /** Default {@link CHECKPOINT_BACKOFF}. */
  readonly backoff?: BackoffOptions | undefined;
  /** False once the shard is no longer this worker's: retrying stops with LEASE_LOST. */
  readonly owns?: (() => boolean) | undefined;
  /** Failing this long, retries are logged at error level rather than warn (default {@link CHECKPOINT_FAILING_LOUD_AFTER_MS}). */
  readonly loudAfterMs?: number | undefined;
  /** Called before each retry, with the action `checkpoint:<operation>`. */
  readonly onRetry?: ((action: string, error: unknown) => void) | undefined;
}

/**
 * A checkpoint store call that keeps failing, as {@link CheckpointCallOptions.onFailing} reports it.
 * @internal
 */
export interface CheckpointCallFailure {
  readonly operation: CheckpointOperation;
  /** When its first failed attempt returned (epoch ms). */
  readonly since: number;
  readonly attempts: number;
  /** The last error, described. */
  readonly message: string;
}

/**
 * Runs one call of the checkpoint store for a shard reader, retrying what may go away by itself (store
 * unavailable or throttled, disk or network errors: see {@link classifyCheckpointFailure}) with backoff
 * and jitter until it succeeds or `signal` aborts (the first attempt is made in any case). Only the store call is repeated: a batch already
 * handled is not handled again.
 *
 * @throws CheckpointError with code LEASE_LOST when the shard moved to another worker (as the store says,
 *   or `owns` turns false while retrying).
 * @throws ShardCheckpointError for a checkpoint going backwards, a corrupt store, or another
 *   non-retryable CheckpointError; other fatal errors (e.g. lease table access denied) as they are.
 * @throws AbortedError when `signal` aborted before the call succeeded.
 * @internal
 */
export async function checkpointCall<T>(
  operation: CheckpointOperation,
  call: () => Promise<T>,
  options: CheckpointCallOptions,
): Promise<T> {
  const { signal, logger, shardId, streamArn, store } = options;
  const action = `checkpoint:${operation}`;
  const since = Date.now();
  /** When the first attempt failed (undefined while none did). */
  let failingSince: number | undefined;
  // The first attempt is made even when `signal` already aborted: the checkpoint of what was done
  // in an abandoned batch is still written; only the retries stop.
  const value = await retryCall<T, CheckpointVerdict>(call, {
    signal,
    verdict: (error, attempt) => {
      const kind = classifyCheckpointFailure(error);
      if (kind === 'lease-lost') throw error;
      if (kind === 'fatal') throw fatalError(error, operation, options);
      if (options.owns && !options.owns()) {
        throw new CheckpointError(
          'LEASE_LOST',
          `the lease of ${shardId} in ${streamArn} was lost while the checkpoint store (${store}) was failing`,
          { cause: error },
        );
      }
      const fields = errorFields(error);
      failingSince ??= Date.now();
      options.onFailing?.({ operation, since: failingSince, attempts: attempt, message: fields.message });
      return { error, backoff: options.backoff ?? CHECKPOINT_BACKOFF, fields };
    },
    aborted: () => aborted(operation, options),
    onRetry: ({ error, fields }, attempt, delayMs) => {
      options.onRetry?.(action, error);
      const failingMs = Date.now() - since;
      logger[failingMs >= (options.loudAfterMs ?? CHECKPOINT_FAILING_LOUD_AFTER_MS) ? 'error' : 'warn'](
        {
          store,
          action,
          attempt,
          failingMs,
          delayMs,
          err: { message: fields.message, code: fields.code },
        },
        `checkpoint ${operation} of ${shardId} failed (${store}); trying again after a pause` +
          (operation === 'put' ? ' (the batch is not handled again)' : ''),
      );
    },
  });
  if (failingSince !== undefined) options.onFailing?.(undefined);
  return value;
}

/** A failed checkpoint call that is retried, with its error described once for the hooks and the log. */
interface CheckpointVerdict extends RetryVerdict {
  readonly fields: ErrorFields;
}

/** The error a fatal checkpoint failure stops the poller with. */
function fatalError(error: unknown, operation: CheckpointOperation, options: CheckpointCallOptions): Error {
  if (isInstance(error, CheckpointError) && !isInstance(error, ShardCheckpointError)) {
    return new ShardCheckpointError({
      code: readThrownProperty(error, 'code') as ConstructorParameters<typeof CheckpointError>[0],
      shardId: options.shardId,
      streamArn: options.streamArn,
      store: options.store,
      operation,
      cause: error,
    });
  }
  // A custom store may throw anything: the poller stops with an Error all the same.
  return errorFromThrown(error);
}

function aborted(operation: CheckpointOperation, options: CheckpointCallOptions): AbortedError {
  if (operation === 'put') {
    options.logger.warn(
      { store: options.store },
      `stopping before the checkpoint of ${options.shardId} could be written: the records after the last ` +
        'checkpoint will be delivered again (at least once)',
    );
  }
  return new AbortedError(`checkpoint ${operation} of ${options.shardId}`);
}
