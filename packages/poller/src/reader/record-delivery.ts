import {
  type BatchInput,
  type BatchResult,
  compareSequenceNumbers,
  deaggregate,
  type Handler,
  HandlerError,
  isAggregated,
  KplAggregateError,
  type ProcessBatchOptions,
  processBatch,
  type SequenceCheckpoint,
  type StreamRecord,
} from '@streamshare/core';
import { errorFromThrown } from '@streamshare/core/internal';
import { errorFields } from '../errors/error-fields.js';
import { batchInputs, type Delivery, type ShardBatch } from './delivery.js';

/**
 * Expands KPL aggregates and drops the user records a partly done aggregate already delivered
 * (those with the checkpoint's sequence number and a subSequenceNumber <= the checkpoint's). A corrupt
 * aggregate becomes a rejected input at its place. Pure.
 * @internal
 */
export function expandAndSkip(inputs: readonly BatchInput[], resumeFrom: SequenceCheckpoint | undefined): BatchInput[] {
  const out: BatchInput[] = [];
  const partial = resumeFrom && !resumeFrom.complete ? resumeFrom : undefined;
  for (const input of inputs) {
    // Rejected inputs and plain records (the common case) pass as they are.
    if ('kind' in input || !isAggregated(input.data)) {
      out.push(input);
      continue;
    }
    let users: StreamRecord<Uint8Array>[];
    try {
      users = deaggregate(input);
    } catch (error) {
      if (error instanceof KplAggregateError) {
        out.push({ kind: 'rejected', record: input, error });
        continue;
      }
      throw error;
    }
    for (const user of users) {
      if (
        partial &&
        compareSequenceNumbers(user.sequenceNumber, partial.sequenceNumber) === 0 &&
        (user.subSequenceNumber ?? 0) <= partial.subSequenceNumber
      ) {
        continue;
      }
      out.push(user);
    }
  }
  return out;
}

/** Options of {@link recordDelivery}: processBatch's, without what the reader sets per batch. */
export type RecordDeliveryOptions = Omit<ProcessBatchOptions<unknown>, 'signal' | 'deaggregate'> & {
  /** Expand KPL aggregates (default true). */
  readonly deaggregate?: boolean;
};

/**
 * The result of a batch that processBatch could not walk (it rejected, which it should never do
 * because of a record): nothing of the batch is acknowledged, and its first record is the failed one,
 * so the shard is blocked there and read again from its checkpoint after a backoff (at least once:
 * records of the batch already handled are handled again). Undefined for an empty batch.
 * @internal
 */
export function unwalkedBatch(batch: ShardBatch, thrown: unknown, startedAt: number): BatchResult | undefined {
  const inputs = batchInputs(batch);
  const first = inputs[0];
  if (first === undefined) return undefined;
  const record: StreamRecord<unknown> = 'kind' in first ? first.record : first;
  const cause = errorFromThrown(thrown);
  return {
    checkpoint: undefined,
    failed: {
      record,
      error: new HandlerError(record, 0, new Error(`the batch could not be processed: ${cause.message}`, { cause })),
      reason: 'handler',
      attempts: 0,
    },
    total: inputs.length,
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
  const { deaggregate: _expand, ...rest } = options;
  await processBatch([], handler, { ...rest, deaggregate: false });
}

/**
 * Delivery through core's processBatch (codec, concurrency by partition key, retries, dead letter).
 * KPL aggregates are expanded here (not in processBatch), so that a partly done aggregate resumes at
 * its first user record not done. Never rejects: should processBatch reject all the same (a value it
 * could not handle), the batch fails at its first record (see {@link unwalkedBatch}) and the shard is
 * blocked there, rather than the poller stopping.
 * @internal
 */
export function recordDelivery(handler: Handler<unknown>, options: RecordDeliveryOptions = {}): Delivery {
  const { deaggregate: expand = true, ...rest } = options;
  return async (batch, signal) => {
    const startedAt = performance.now();
    try {
      // A page read at each record's turn holds no aggregate (the reader looked, or none is expanded).
      const inputs =
        Array.isArray(batch.inputs) && expand ? expandAndSkip(batch.inputs, batch.resumeFrom) : batch.inputs;
      const result = await processBatch(inputs, handler, { ...rest, deaggregate: false, signal });
      return { result };
    } catch (thrown) {
      const result = unwalkedBatch(batch, thrown, startedAt);
      if (result === undefined) throw errorFromThrown(thrown);
      rest.logger?.error(
        { shardId: batch.shardId, err: errorFields(thrown) },
        'processing the batch failed as a whole: the shard is blocked at its first record and read again from its checkpoint',
      );
      return { result };
    }
  };
}
