import type { Logger } from 'pino';
import { logSafely } from '../batch/log.js';
import type { RecordEvent } from '../batch/types.js';
import type { StreamRecord } from '../record/stream-record.js';
import type { Outcome } from './outcome.js';

/** The settle stage's counts: units done and dead-lettered, each one told to the onRecord hook. */
export class Ledger {
  succeeded = 0;
  deadLettered = 0;

  constructor(
    readonly onRecord: ((event: RecordEvent) => void) | undefined,
    readonly logger: Logger,
  ) {}

  /** Counts a unit's outcome and tells the onRecord hook (`startedAt`: when the unit started). */
  settle(outcome: Outcome, startedAt: number): void {
    if (outcome.kind === 'done') this.succeeded++;
    else if (outcome.kind === 'dead-lettered') this.deadLettered++;
    if (this.onRecord !== undefined) this.#tell(outcome, startedAt);
  }

  /** Counts a record done at its first attempt (no Outcome made unless the hook wants one). */
  done(record: StreamRecord<unknown>, startedAt: number): void {
    this.succeeded++;
    if (this.onRecord !== undefined) this.#tell({ kind: 'done', record, attempts: 1 }, startedAt);
  }

  /** When a unit starts, for the hook's `durationMs` (0 without a hook: no clock read). */
  clock(): number {
    return this.onRecord === undefined ? 0 : performance.now();
  }

  #tell(outcome: Outcome, startedAt: number): void {
    const event: RecordEvent = {
      record: outcome.record,
      outcome: outcome.kind,
      attempts: outcome.attempts,
      durationMs: performance.now() - startedAt,
      ...(outcome.error === undefined ? {} : { error: outcome.error }),
    };
    try {
      (this.onRecord as (event: RecordEvent) => void)(event);
    } catch (error) {
      logSafely(this.logger, 'warn', { err: error }, 'onRecord hook threw; ignored');
    }
  }
}
