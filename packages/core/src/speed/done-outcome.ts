import type { StreamRecord } from '../record/stream-record.js';
import type { Outcome } from '../settle/outcome.js';
import { UNREAD_RECORD } from './unread-record.js';

/**
 * The outcome of every unit done at its first attempt when no onRecord hook reads it: the walks
 * that keep outcomes (by partition key) then make no object per record, since only the hook reads
 * the record of a done outcome.
 */
const DONE_AT_FIRST_ATTEMPT: Outcome = Object.freeze({ kind: 'done', record: UNREAD_RECORD, attempts: 1 });

/** The outcome of `record` done at its first attempt: a shared one when `hooked` is false. */
export function doneAtFirstAttempt(record: StreamRecord<unknown>, hooked: boolean): Outcome {
  return hooked ? { kind: 'done', record, attempts: 1 } : DONE_AT_FIRST_ATTEMPT;
}
