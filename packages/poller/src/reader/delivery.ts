import type { BatchResult, SequenceCheckpoint } from '@streamshare/core';
import type { KinesisRecords } from '@streamshare/core/internal';

/**
 * One GetRecords page of a shard, handed to a delivery.
 * @internal
 */
export interface ShardBatch {
  readonly shardId: string;
  /**
   * The page's records in sequence order, as a record source (`kinesisRecords`): core's
   * processBatch checks, normalizes and (KPL aggregates) expands each record at its turn.
   */
  readonly records: KinesisRecords;
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
