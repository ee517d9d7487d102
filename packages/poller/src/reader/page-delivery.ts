import type { _Record } from '@aws-sdk/client-kinesis';
import { compareCheckpoints, describeRecord, type KinesisRecords } from '@streamshare/core/internal';
import type { Logger } from 'pino';
import { errorFields } from '../errors/error-fields.js';
import type { BudgetHold } from '../scheduling/memory-budget.js';
import { advance, type ReadPosition, retryPosition } from './position.js';
import type { ShardReaderOptions } from './reader-options.js';
import type { ShardCheckpoints } from './shard-checkpoints.js';
import { BATCH_BLOCKED, LEASE_LOST } from './shard-events.js';
import type { ShardEvent } from './shard-state.js';
import type { WriteBehind } from './write-behind.js';

/**
 * What {@link PageDelivery} needs of the shard reader's options.
 * @internal
 */
export type PageDeliveryOptions = Pick<
  ShardReaderOptions,
  'shardId' | 'coordinator' | 'delivery' | 'startingPosition' | 'observer'
>;

/**
 * The steps every page of a shard goes through once read, whatever its source (a GetRecords page, a
 * subscription's event): counted as read (the reader's live numbers, the observer), held in the
 * poller's memory budget, delivered (with `resumeFrom` the checkpoint), its checkpoint written, and
 * the read {@link position} moved on. A record that failed blocks the shard: the position moves to
 * it, and the failure is logged with the record's identity.
 * @internal
 */
export class PageDelivery {
  /** Where the shard's reading (re)starts: the last checkpoint, or the starting position. */
  position: ReadPosition;
  /** When the last page was read. */
  lastPollAt: Date | undefined;
  /** MillisBehindLatest of the last page read. */
  millisBehindLatest: number | undefined;

  constructor(
    private readonly options: PageDeliveryOptions,
    private readonly checkpoints: ShardCheckpoints,
  ) {
    this.position = { kind: 'start', startingPosition: options.startingPosition };
  }

  /** A page was read (GetRecords, or a subscription's event): for `status()` and the observer. */
  pageRead(count: number, bytes: number, behind: number | undefined): void {
    this.lastPollAt = new Date();
    this.millisBehindLatest = behind;
    this.options.observer?.onGetRecords?.(this.options.shardId, count, bytes, behind);
  }

  /**
   * A page's place in the poller's memory budget (maxBufferedBytes), as its reservation gave it
   * (undefined without a budget), held until the page is settled: a wait for it is reported to the
   * observer.
   */
  held(hold: BudgetHold | undefined): BudgetHold | undefined {
    const { observer, shardId } = this.options;
    if (hold !== undefined && hold.waitedMs > 0) observer?.onBufferWait?.(shardId, hold.waitedMs);
    return hold;
  }

  /**
   * Delivers one page unless the lease was lost; writes its checkpoint; returns the event that stops
   * the shard ({@link LEASE_LOST}, {@link BATCH_BLOCKED}), if any. The checkpoint write is tried at
   * least once even when the batch was abandoned (what was done is checkpointed) and retried until
   * it succeeds or `processSignal` aborts; its LEASE_LOST ends the reader. `writes` (enhanced
   * fan-out): the write of a page that went through whole is left in flight behind the reading (its
   * errors are thrown where it is awaited); a blocked page's is awaited, after the one in flight.
   */
  async deliver(
    page: KinesisRecords,
    bytes: number,
    processSignal: AbortSignal,
    log: Logger,
    writes?: WriteBehind,
  ): Promise<ShardEvent | undefined> {
    const { shardId, coordinator } = this.options;
    if (!coordinator.owns(shardId)) return LEASE_LOST;
    const firstSequence = firstSequenceOf(page);
    const resumeFrom = this.position.kind === 'checkpoint' ? this.position.checkpoint : undefined;
    const delivered = this.options.delivery({ shardId, records: page, resumeFrom }, processSignal);
    const { result } = await delivered;
    this.options.observer?.onBatch?.(shardId, result, bytes);
    const done = result.checkpoint;
    if (done && (resumeFrom === undefined || compareCheckpoints(done, resumeFrom) !== 0)) {
      if (writes === undefined) await this.checkpoints.put(done, processSignal, log);
      else if (result.failed) await writes.putNow(done, processSignal, log);
      else await writes.push(done, processSignal, log);
    }
    this.position = advance(this.position, result.checkpoint);
    if (!result.failed) return undefined;
    this.position = retryPosition(this.position, firstSequence);
    const { record, error, reason } = result.failed;
    const err = errorFields(error);
    log.warn(
      {
        record: describeRecord(record),
        sequenceNumber: record.sequenceNumber,
        subSequenceNumber: record.subSequenceNumber,
        partitionKey: record.partitionKey,
        reason,
        err: { message: err.message, code: err.code },
      },
      `shard blocked at ${describeRecord(record)}: ${err.message}`,
    );
    return BATCH_BLOCKED;
  }
}

/** The sequence number of a page's first record ('0' when it is malformed). */
function firstSequenceOf(page: KinesisRecords): string | undefined {
  if (page.records.length === 0) return undefined;
  const first = page.records[0] as _Record | null | undefined;
  return typeof first?.SequenceNumber === 'string' ? first.SequenceNumber : '0';
}
