import type { BatchInput, BatchResult, Checkpoint } from '@streamshare/core';

/**
 * One GetRecords page of a shard, normalized, handed to a delivery.
 * @internal
 */
export interface ShardBatch {
  readonly shardId: string;
  /**
   * The Kinesis records in sequence order with raw bytes (KPL aggregates not expanded); a record
   * GetRecords returned that could not be normalized is a `RejectedRecord` at its place.
   */
  readonly inputs: readonly BatchInput[];
  /**
   * False when no input's data starts with the KPL magic (nothing to expand: the reader looked while
   * it read the page); true or absent when some may.
   */
  readonly aggregates?: boolean;
  /** The position reading resumed from: with a partly done aggregate, its done user records are skipped. */
  readonly resumeFrom: Checkpoint | undefined;
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
