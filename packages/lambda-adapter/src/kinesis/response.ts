import type { BatchResult } from '@streamshare/core';
import type { KinesisStreamBatchResponse } from 'aws-lambda';

/**
 * Maps core's result onto Lambda's partial batch response: the sequence number of the first record
 * not done (for a KPL user record, its aggregate's, which is what Lambda checkpoints by), or no
 * item when every record was done.
 */
export function toBatchResponse(result: BatchResult): KinesisStreamBatchResponse {
  if (result.failed === undefined) return { batchItemFailures: [] };
  return { batchItemFailures: [{ itemIdentifier: result.failed.record.sequenceNumber }] };
}
