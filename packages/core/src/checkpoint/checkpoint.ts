/**
 * A checkpoint at a record: everything up to and including this record is done. What
 * `processBatch` returns, and what a reader writes after each batch.
 *
 * It has no `kind` (the other variants of {@link Checkpoint} have one): it is the plain shape that
 * checkpoint stores have always held, so that a store written for it, and every checkpoint it
 * stored, stay as they are; `checkpoint.kind === undefined` tells it from the others.
 */
export interface SequenceCheckpoint {
  /** Absent: this is a position at a record (the other variants name their kind). */
  readonly kind?: undefined;
  /** Sequence number of the last Kinesis record done (for KPL user records, their aggregate's). */
  readonly sequenceNumber: string;
  /**
   * Sub-sequence number of the last KPL user record done within that aggregate; 0 for a plain record.
   */
  readonly subSequenceNumber: number;
  /**
   * True when the whole Kinesis record is done (a plain record, or the last user record of an
   * aggregate): reading resumes AFTER_SEQUENCE_NUMBER. False for a partly done aggregate:
   * reading resumes AT_SEQUENCE_NUMBER and skips user records up to `subSequenceNumber`.
   */
  readonly complete: boolean;
}

/**
 * Where a shard's reading stands, as a checkpoint store keeps it: at a record
 * ({@link SequenceCheckpoint}), or one of four positions that are not records, named by `kind`
 * with the strings Kinesis (ShardIteratorType) and the KCL's lease table use:
 *
 * - `TRIM_HORIZON`: nothing done yet; read from the oldest record kept.
 * - `LATEST`: nothing done yet; read from the records written from now on.
 * - `AT_TIMESTAMP`: nothing done yet; read from the records written since `timestampMs` (epoch
 *   milliseconds, a number so that it survives JSON and any store as it is). The poller writes it
 *   when it takes its first LATEST iterator on a shard (the time it reads the shard from), so that
 *   a restart or a fresh iterator does not skip the records written in between.
 * - `SHARD_END`: the shard was read to its end (it is closed); its children may start.
 *
 * Order (`compareCheckpoints`, the order every store refuses to go back in): TRIM_HORIZON, LATEST,
 * AT_TIMESTAMP (by time), then the records (by sequence number, sub-sequence number, an incomplete
 * aggregate before a complete one), then SHARD_END: the order in which a reader moves through them.
 *
 * A store keeps the value as it is: one written as JSON needs nothing more; one with columns of its
 * own stores `kind` (and `timestampMs`) beside the three fields of a {@link SequenceCheckpoint}.
 * `checkpoint.kind === undefined` narrows to the position at a record; `checkpoint.sequenceNumber`
 * reads as `string | undefined` on any checkpoint.
 */
export type Checkpoint =
  | SequenceCheckpoint
  | ({ readonly kind: 'TRIM_HORIZON' } & NotAtRecord)
  | ({ readonly kind: 'LATEST' } & NotAtRecord)
  | ({ readonly kind: 'AT_TIMESTAMP'; readonly timestampMs: number } & NotAtRecord)
  | ({ readonly kind: 'SHARD_END' } & NotAtRecord);

/**
 * The fields of a {@link SequenceCheckpoint}, absent from the other kinds: on any checkpoint,
 * `checkpoint.sequenceNumber` reads as `string | undefined` without narrowing first.
 */
export interface NotAtRecord {
  readonly sequenceNumber?: undefined;
  readonly subSequenceNumber?: undefined;
  readonly complete?: undefined;
}

/** Where checkpoints are kept. Implementations: memory, file (core), DynamoDB leases (poller). */
export interface CheckpointStore {
  /** The checkpoint of a shard, or `undefined` when none was written. */
  get(streamArn: string, shardId: string): Promise<Checkpoint | undefined>;
  /**
   * Writes a checkpoint. Rejects with a `CheckpointError` when it would go backwards
   * (`compareCheckpoints`) or when the writer no longer owns the shard.
   */
  put(streamArn: string, shardId: string, checkpoint: Checkpoint): Promise<void>;
  /**
   * Optional: where the checkpoints of `streamArn` are kept, for logs and error messages (e.g.
   * `checkpoint file /data/x.json`). Never a secret. Without it, a user of the store names it by
   * its class.
   */
  describe?(streamArn: string): string;
  /**
   * Optional: claims the store for this process before its first write, as that write would (the
   * file store takes its directory's lock), so that a store in use elsewhere, or one that cannot be
   * used, is known at start rather than at the first checkpoint. Resolves once claimed; rejects with
   * a `CheckpointError` (e.g. `CHECKPOINT_LOCKED`; a retryable `CHECKPOINT_IO` when it may pass).
   */
  lock?(): Promise<void>;
  /**
   * Optional: makes the store ready for the writes of `streamArn` ahead of the first one (the file
   * store opens its files). A caller need not wait for it: the first write does the same.
   */
  open?(streamArn: string): Promise<void>;
}
