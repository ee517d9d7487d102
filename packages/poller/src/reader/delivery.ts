import {
  type BatchInput,
  type BatchResult,
  fromKinesisRecords,
  type KinesisRecords,
  type SequenceCheckpoint,
} from '@streamshare/core';

/**
 * One GetRecords page of a shard, normalized, handed to a delivery.
 * @internal
 */
export interface ShardBatch {
  readonly shardId: string;
  /**
   * The Kinesis records in sequence order with raw bytes (KPL aggregates not expanded); a record
   * GetRecords returned that could not be normalized is a `RejectedRecord` at its place; or the
   * page itself (`kinesisRecords`), each record to be checked and normalized at its turn: the reader
   * hands an array only when it found KPL aggregates to expand (see {@link batchInputs}).
   */
  readonly inputs: readonly BatchInput[] | KinesisRecords;
  /** The position reading resumed from: with a partly done aggregate, its done user records are skipped. */
  readonly resumeFrom: SequenceCheckpoint | undefined;
}

/**
 * What a delivery reports, following the checkpoint invariant.
 * @internal
 */
export interface DeliveryOutcome {
  /** `checkpoint` is the last record done (or undefined); `failed` set means the shard is blocked there. */
  readonly result: BatchResult;
}

/**
 * Hands a shard batch to the user's handler and reports how far it got. Never rejects because of a record.
 * @internal
 */
export type Delivery = (batch: ShardBatch, signal: AbortSignal) => Promise<DeliveryOutcome>;

/**
 * A batch's records normalized now, for a delivery that needs them all at once (a page read at each
 * record's turn is normalized here: a record that cannot be is a `RejectedRecord` at its place).
 * @internal
 */
export function batchInputs(batch: ShardBatch): readonly BatchInput[] {
  const { inputs } = batch;
  return Array.isArray(inputs)
    ? inputs
    : fromKinesisRecords((inputs as KinesisRecords).records, inputs as KinesisRecords);
}
