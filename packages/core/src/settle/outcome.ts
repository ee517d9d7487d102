import type { FailedRecord } from '../batch/types.js';
import type { StreamRecord } from '../record/stream-record.js';

/** How one unit of a batch settled. */
export interface Outcome {
  readonly kind: 'done' | 'dead-lettered' | 'failed';
  /** The record as the handler or dead-letter callback saw it (decoded when decoding succeeded). */
  readonly record: StreamRecord<unknown>;
  readonly attempts: number;
  /** For dead-lettered and failed units: the error (DecodeError, KplAggregateError, HandlerError, ...). */
  readonly error?: unknown;
  readonly reason?: FailedRecord['reason'];
  /** When the dead-letter callback itself failed. */
  readonly deadLetterError?: unknown;
}

/** Unit states, in a Uint8Array (walks that settle units out of order). */
export const PENDING = 0;
export const RUNNING = 1;
export const DONE = 2;
export const DEAD_LETTERED = 3;
export const FAILED = 4;

export function stateOf(outcome: Outcome): number {
  return outcome.kind === 'done' ? DONE : outcome.kind === 'dead-lettered' ? DEAD_LETTERED : FAILED;
}
