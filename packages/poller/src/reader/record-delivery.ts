import {
  type BatchResult,
  type Handler,
  HandlerError,
  type ProcessBatchOptions,
  processBatch,
} from '@streamshare/core';
import { errorFromThrown, recordSource } from '@streamshare/core/internal';
import { errorFields } from '../errors/error-fields.js';
import type { Delivery, ShardBatch } from './delivery.js';

/** Options of {@link recordDelivery}: processBatch's, without what the reader sets per batch. */
export type RecordDeliveryOptions = Omit<ProcessBatchOptions<unknown>, 'signal' | 'resumeFrom'>;

/**
 * The result of a batch that processBatch could not walk (it rejected, which it should never do
 * because of a record): nothing of the batch is acknowledged, and its first record is the failed one,
 * so the shard is blocked there and read again from its checkpoint after a backoff (at least once:
 * records of the batch already handled are handled again). Undefined for an empty batch.
 * @internal
 */
export function unwalkedBatch(batch: ShardBatch, thrown: unknown, startedAt: number): BatchResult | undefined {
  const source = recordSource(batch.records);
  if (source.length === 0) return undefined;
  const record = source.identityAt(0);
  const cause = errorFromThrown(thrown);
  return {
    checkpoint: undefined,
    failed: {
      record,
      error: new HandlerError(record, 0, new Error(`the batch could not be processed: ${cause.message}`, { cause })),
      reason: 'handler',
      attempts: 0,
    },
    total: source.length,
    succeeded: 0,
    deadLettered: 0,
    durationMs: performance.now() - startedAt,
  };
}

/**
 * Checks the options of a {@link recordDelivery} as processBatch does (codec, concurrency, retry,
 * handler), by walking an empty batch: the poller calls it at start, so that a bad option rejects
 * `start()` rather than block every shard at its first batch.
 * @throws what processBatch throws for bad options (RangeError, TypeError, InvalidInputError).
 * @internal
 */
export async function checkRecordDeliveryOptions(
  handler: Handler<unknown>,
  options: RecordDeliveryOptions = {},
): Promise<void> {
  await processBatch([], handler, options);
}

/**
 * Delivery through core's processBatch (KPL aggregates expanded, codec, concurrency by partition
 * key, retries, dead letter), the page handed over as it is: a partly done aggregate resumes at its
 * first user record not done (processBatch's `resumeFrom`). Never rejects: should processBatch reject all the same (a value it
 * could not handle), the batch fails at its first record (see {@link unwalkedBatch}) and the shard is
 * blocked there, rather than the poller stopping.
 * @internal
 */
export function recordDelivery(handler: Handler<unknown>, options: RecordDeliveryOptions = {}): Delivery {
  return async function deliverRecords(batch, signal) {
    const startedAt = performance.now();
    try {
      const result = await processBatch(batch.records, handler, { ...options, resumeFrom: batch.resumeFrom, signal });
      return { result };
    } catch (thrown) {
      const result = unwalkedBatch(batch, thrown, startedAt);
      if (result === undefined) throw errorFromThrown(thrown);
      options.logger?.error(
        { shardId: batch.shardId, err: errorFields(thrown) },
        'processing the batch failed as a whole: the shard is blocked at its first record and read again from its checkpoint',
      );
      return { result };
    }
  };
}
