import type { StreamRecord } from '../record/stream-record.js';

/**
 * Expands a KPL aggregated record into its user records (STUB: to be implemented).
 * A plain record is returned alone, unchanged. Throws AggregateError for a corrupt aggregate.
 */
export function deaggregate(record: StreamRecord<Uint8Array>): StreamRecord<Uint8Array>[] {
  return [record];
}
