import {
  type BatchInput,
  type Checkpoint,
  compareSequenceNumbers,
  deaggregate,
  type Handler,
  isAggregated,
  AggregateError as KplAggregateError,
  type ProcessBatchOptions,
  processBatch,
  type StreamRecord,
} from '@streamshare/core';
import type { Delivery } from './delivery.js';

/**
 * Expands KPL aggregates and drops the user records a partly done aggregate already delivered
 * (those with the checkpoint's sequence number and a subSequenceNumber <= the checkpoint's). A corrupt
 * aggregate becomes a rejected input at its place. Pure.
 * @internal
 */
export function expandAndSkip(inputs: readonly BatchInput[], resumeFrom: Checkpoint | undefined): BatchInput[] {
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
 * Delivery through core's processBatch (codec, concurrency by partition key, retries, dead letter).
 * KPL aggregates are expanded here (not in processBatch), so that a partly done aggregate resumes at
 * its first user record not done.
 * @internal
 */
export function recordDelivery(handler: Handler<unknown>, options: RecordDeliveryOptions = {}): Delivery {
  const { deaggregate: expand = true, ...rest } = options;
  return async (batch, signal) => {
    // A page read at each record's turn holds no aggregate (the reader looked, or none is expanded).
    const inputs = Array.isArray(batch.inputs) && expand ? expandAndSkip(batch.inputs, batch.resumeFrom) : batch.inputs;
    const result = await processBatch(inputs, handler, { ...rest, deaggregate: false, signal });
    return { result };
  };
}
