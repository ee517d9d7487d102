import { CheckpointError, StreamshareError } from '@streamshare/core';
import { classifyAwsError, describeThrown, isRetryable, readThrownProperty } from '@streamshare/core/internal';
import { isInstance } from './instance.js';

/** What a shard reader asked of the checkpoint store. */
export type CheckpointOperation = 'get' | 'put' | 'finish';

/** Codes of core's CheckpointError. */
type CheckpointErrorCode = ConstructorParameters<typeof CheckpointError>[0];

/**
 * What a shard reader does about a failed checkpoint call:
 * - `retry`: try the same call again after a backoff (store unavailable, throttled, disk or network error);
 * - `lease-lost`: the shard moved to another worker: this reader stops, without an error;
 * - `fatal`: stop the poller (the checkpoint would go backwards, the store is corrupt, access denied...).
 * @internal
 */
export type CheckpointFailureKind = 'retry' | 'lease-lost' | 'fatal';

/**
 * Error codes of Node's file system that a store may throw as they are (a custom CheckpointStore) and
 * that can go away by themselves: a disk full or read-only for a while, a directory being replaced or
 * remounted, too many open files. Network errors are read by core's AWS error classifier.
 */
const TRANSIENT_FILE_SYSTEM_CODES = new Set([
  'EACCES',
  'EPERM',
  'EROFS',
  'ENOSPC',
  'EDQUOT',
  'EIO',
  'EAGAIN',
  'EBUSY',
  'EMFILE',
  'ENFILE',
  'ENOTDIR',
]);

/**
 * Classifies an error of a checkpoint store call (pure). A `CheckpointError` decides by its code
 * (LEASE_LOST; CHECKPOINT_BACKWARDS and CHECKPOINT_CORRUPT are fatal) and its `retryable` flag; any
 * other StreamshareError (e.g. LeaseTableError) by its `retryable` flag; a raw error is retried when it
 * is throttling, a 5xx or a network error (as core's `classifyAwsError` reads it), or a transient
 * file-system error.
 * @internal
 */
export function classifyCheckpointFailure(error: unknown): CheckpointFailureKind {
  // Any value a custom store throws is read safely (a Proxy, throwing getters): never throws itself.
  if (isInstance(error, CheckpointError)) {
    const code = readThrownProperty(error, 'code');
    if (code === 'LEASE_LOST') return 'lease-lost';
    if (code === 'CHECKPOINT_BACKWARDS' || code === 'CHECKPOINT_CORRUPT') return 'fatal';
    return isRetryable(error) ? 'retry' : 'fatal';
  }
  if (isInstance(error, StreamshareError)) return isRetryable(error) ? 'retry' : 'fatal';
  const aws = classifyAwsError(error);
  if (isRetryable(error) || aws.retryable) return 'retry';
  return aws.code !== undefined && TRANSIENT_FILE_SYSTEM_CODES.has(aws.code) ? 'retry' : 'fatal';
}

/** True for core's CheckpointError with code LEASE_LOST (the shard moved to another worker); never throws. */
export function isLeaseLost(error: unknown): boolean {
  return isInstance(error, CheckpointError) && readThrownProperty(error, 'code') === 'LEASE_LOST';
}

const ADVICE: Partial<Record<CheckpointErrorCode, string>> = {
  CHECKPOINT_BACKWARDS:
    'The store holds a later checkpoint than this reader reached, so something else writes checkpoints of this ' +
    'shard: two pollers on one checkpoint directory, or a store shared without a lease table. Run one poller per ' +
    'checkpoint directory, or share the shards through a lease table (--lease-table / leaseTable). The poller stops ' +
    'rather than overwrite or skip that checkpoint.',
  CHECKPOINT_CORRUPT:
    'The poller stops rather than read the shard again from its starting position; fix or remove the stored ' +
    'checkpoint (the shard then starts from the starting position) and start again.',
};

/**
 * A checkpoint of a shard could not be read or written, for a reason that retrying does not cure
 * (code `CHECKPOINT_BACKWARDS`, `CHECKPOINT_CORRUPT`, or a non-retryable `CHECKPOINT_IO`): the poller
 * stops with it. The message names the shard, the stream, the store and what to do; `cause` is the
 * store's own error.
 */
export class ShardCheckpointError extends CheckpointError {
  readonly shardId: string;
  readonly streamArn: string;
  /** Where the checkpoints are kept, e.g. `checkpoint file /data/x.json` or `lease table leases`. */
  readonly store: string;
  readonly operation: CheckpointOperation;

  constructor(options: {
    code: CheckpointErrorCode;
    shardId: string;
    streamArn: string;
    store: string;
    operation: CheckpointOperation;
    cause: unknown;
  }) {
    const { code, shardId, streamArn, store, operation, cause } = options;
    const what =
      operation === 'get'
        ? `reading the checkpoint of ${shardId}`
        : operation === 'put'
          ? `writing the checkpoint of ${shardId}`
          : `marking ${shardId} finished`;
    const why = describeThrown(cause);
    const advice = ADVICE[code];
    super(code, `${what} in ${streamArn} failed (${store}): ${why}${advice ? `. ${advice}` : ''}`, {
      cause,
      retryable: false,
    });
    this.shardId = shardId;
    this.streamArn = streamArn;
    this.store = store;
    this.operation = operation;
  }
}
