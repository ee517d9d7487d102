import { AggregateError as KplAggregateError } from '../errors/record-errors.js';
import { deaggregate, isAggregated } from '../kpl/deaggregate.js';
import type { StreamRecord } from '../record/stream-record.js';
import type { BatchInput, FailedRecord } from './types.js';

/** An input that fails before decoding: rejected by the transport, or a corrupt KPL aggregate. */
export interface PreFailure {
  readonly error: unknown;
  readonly reason: Extract<FailedRecord['reason'], 'decode' | 'aggregate'>;
  /**
   * The user records (and so partition keys) hidden in it are unknown: with concurrency, nothing
   * after it starts until it is dead-lettered.
   */
  readonly barrier: boolean;
}

/** A batch laid out in walking order: one entry per user record (or per input that failed whole). */
export interface Items {
  readonly records: StreamRecord<Uint8Array>[];
  /** Pre-failures by index into `records` (undefined when there are none: the common case). */
  readonly failures: Map<number, PreFailure> | undefined;
}

/** Expands KPL aggregates (when asked) and marks rejected inputs and corrupt aggregates. */
export function layOut(inputs: readonly BatchInput[], expand: boolean): Items {
  const records: StreamRecord<Uint8Array>[] = [];
  let failures: Map<number, PreFailure> | undefined;
  for (let i = 0; i < inputs.length; i++) {
    const input = inputs[i] as BatchInput;
    if ((input as { kind?: unknown }).kind === 'rejected') {
      const rejected = input as Extract<BatchInput, { kind: 'rejected' }>;
      failures ??= new Map();
      failures.set(records.length, { error: rejected.error, reason: 'decode', barrier: expand });
      records.push(rejected.record);
      continue;
    }
    const record = input as StreamRecord<Uint8Array>;
    if (!expand || !(record.data instanceof Uint8Array) || !isAggregated(record.data)) {
      records.push(record);
      continue;
    }
    let users: StreamRecord<Uint8Array>[];
    try {
      users = deaggregate(record);
    } catch (error) {
      failures ??= new Map();
      const wrapped =
        error instanceof KplAggregateError
          ? error
          : new KplAggregateError(record, 'MALFORMED', error instanceof Error ? error.message : String(error));
      failures.set(records.length, { error: wrapped, reason: 'aggregate', barrier: true });
      records.push(record);
      continue;
    }
    for (const user of users) records.push(user);
  }
  return { records, failures };
}
