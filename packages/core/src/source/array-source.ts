import type { BatchInput, RejectedRecord } from '../batch/types.js';
import { readThrownProperty } from '../errors/thrown.js';
import type { StreamRecord } from '../record/stream-record.js';
import { type RecordSource, type SourceFailure, UNREADABLE } from './record-source.js';

/**
 * An array of records already normalized (raw bytes, possibly KPL aggregates) or rejected inputs,
 * as a record source: what processBatch takes from a caller that built the records itself.
 */
export class ArraySource implements RecordSource {
  readonly length: number;
  readonly mayHoldAggregates = true;

  constructor(readonly records: readonly BatchInput[]) {
    this.length = records.length;
  }

  bytesAt(index: number): Uint8Array {
    const input = this.records[index] as BatchInput;
    return (input as Partial<RejectedRecord>).kind === 'rejected' ? UNREADABLE : (input as StreamRecord).data;
  }

  /** The record itself when `data` is its own, else a copy holding `data`. */
  recordAt<D>(index: number, data: D): StreamRecord<D> {
    const record = this.records[index] as StreamRecord<unknown>;
    return (record.data === data ? record : { ...record, data }) as StreamRecord<D>;
  }

  partitionKeyAt(index: number): string {
    return (this.records[index] as StreamRecord).partitionKey;
  }

  failureAt(index: number): SourceFailure {
    const { record, error } = this.records[index] as RejectedRecord;
    return { record, error, keyKnown: true };
  }

  identityAt(index: number): StreamRecord<Uint8Array> {
    const input = this.records[index];
    const record = readThrownProperty(input, 'kind') === 'rejected' ? readThrownProperty(input, 'record') : input;
    const arrival = readThrownProperty(record, 'approximateArrivalTimestamp');
    return {
      streamArn: stringOr(readThrownProperty(record, 'streamArn')),
      shardId: stringOr(readThrownProperty(record, 'shardId')),
      partitionKey: stringOr(readThrownProperty(record, 'partitionKey')),
      sequenceNumber: stringOr(readThrownProperty(record, 'sequenceNumber')),
      approximateArrivalTimestamp: isDate(arrival) ? arrival : new Date(Number.NaN),
      data: EMPTY,
    };
  }
}

const EMPTY = new Uint8Array(0);

/** `instanceof Date`, false for a value that cannot be asked (a Proxy whose traps throw). */
function isDate(value: unknown): value is Date {
  try {
    return value instanceof Date;
  } catch {
    return false;
  }
}

function stringOr(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
