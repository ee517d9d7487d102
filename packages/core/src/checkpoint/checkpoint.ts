/**
 * A position in a shard: everything up to and including this record is done.
 */
export interface Checkpoint {
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

/** Where checkpoints are kept. Implementations: memory, file (core), DynamoDB leases (poller). */
export interface CheckpointStore {
  /** The checkpoint of a shard, or `undefined` when none was written. */
  get(streamArn: string, shardId: string): Promise<Checkpoint | undefined>;
  /**
   * Writes a checkpoint. Rejects with a `CheckpointError` when it would go backwards or when the
   * writer no longer owns the shard.
   */
  put(streamArn: string, shardId: string, checkpoint: Checkpoint): Promise<void>;
}
