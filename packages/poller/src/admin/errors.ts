import { StreamshareError } from '@streamshare/core';

/** Codes of {@link CheckpointAdminError}. */
export type CheckpointAdminErrorCode =
  /** A live worker holds a shard's lease (its counter moved within the failover time): refused without --force. */
  | 'LEASE_HELD'
  /** A process holds the checkpoint directory's lock: refused (a file store cannot fence its writer). */
  | 'DIRECTORY_LOCKED'
  /** A lease changed between the read and the write (a worker renewed or took it): run again. */
  | 'LEASE_CHANGED'
  /** KCL workers still hold live leases in the KCL table: the import is refused. */
  | 'KCL_LEASES_LIVE'
  /** Keeping or replacing a checkpoint directory's files failed (they read as the old or the new state). */
  | 'DIRECTORY_WRITE_FAILED'
  /** The store holds a stream's checkpoints under its stream-qualified key and its plain ARN: name one with --key. */
  | 'AMBIGUOUS_STREAM_KEY'
  /** The stream's creation time (DescribeStreamSummary) could not be read, and the tool needs it. */
  | 'STREAM_KEY_UNKNOWN'
  /** A DynamoDB call on the KCL table or the lease table failed, or the table is not what was expected. */
  | 'TABLE_CALL_FAILED';

/**
 * What `streamshare checkpoints set` and `streamshare import kcl` refuse or cannot do. Not
 * retryable as such (the message says what to do); the CLI prints it and exits with code 1.
 */
export class CheckpointAdminError extends StreamshareError {
  constructor(code: CheckpointAdminErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(code, message, refusal(options.cause));
  }
}

/** The options of an admin refusal: never retryable as such, with its cause when it has one. */
export function refusal(cause: unknown): { retryable: false; cause?: unknown } {
  return cause === undefined ? { retryable: false } : { retryable: false, cause };
}
