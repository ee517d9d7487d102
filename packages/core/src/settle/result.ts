import type { Run } from '../batch/run.js';
import type { BatchResult, FailedRecord } from '../batch/types.js';
import { checkpointOf } from '../checkpoint/compare.js';
import { DeadlineError } from '../errors/record-errors.js';
import type { Units } from '../expand/units.js';
import type { StreamRecord } from '../record/stream-record.js';
import type { Outcome } from './outcome.js';

/** How a walk ended, in the terms of the checkpoint invariant. */
export interface WalkEnd {
  /** The last unit of the done prefix (every unit up to it done or dead-lettered), if any. */
  readonly last: StreamRecord<unknown> | undefined;
  /** The first unit not done, when it failed. */
  readonly failed: Outcome | undefined;
  /** The first unit not done, when it never started (the walk stopped: deadline, abort). */
  readonly notStarted: StreamRecord<unknown> | undefined;
  /** Units in the done prefix (`last` is the last of them). */
  readonly done: number;
}

/**
 * The settle stage: the batch result of a walk over `units`: low-water checkpoint (past the last
 * unit of the done prefix, or past an aggregate consumed without a unit right after it), first unit
 * not done, and the units in the batch (user records of expanded aggregates, failed units).
 */
export function resultOf<T>(run: Run<T>, units: Units, end: WalkEnd, startedAt: number): BatchResult {
  return {
    checkpoint: units.passedAt(end.done) ?? (end.last === undefined ? undefined : checkpointOf(end.last)),
    failed:
      end.failed !== undefined
        ? failedOf(end.failed)
        : end.notStarted !== undefined
          ? notStarted(run, end.notStarted)
          : undefined,
    total: units.read + units.countLeft(),
    succeeded: run.ledger.succeeded,
    deadLettered: run.ledger.deadLettered,
    durationMs: performance.now() - startedAt,
  };
}

function failedOf(outcome: Outcome): FailedRecord {
  return {
    record: outcome.record,
    error: outcome.error,
    reason: outcome.reason ?? 'handler',
    ...(outcome.deadLetterError === undefined ? {} : { deadLetterError: outcome.deadLetterError }),
    attempts: outcome.attempts,
  };
}

/** A unit the walk stopped before: a DeadlineError at the deadline, else the caller's abort reason. */
function notStarted<T>(run: Run<T>, record: StreamRecord<unknown>): FailedRecord {
  const { deadline, external } = run.settings;
  if (run.stopReason === 'deadline' && deadline !== undefined) {
    return { record, error: new DeadlineError(record, deadline), reason: 'deadline', attempts: 0 };
  }
  const reason = external?.reason ?? new Error('processBatch was aborted');
  return { record, error: reason, reason: 'aborted', attempts: 0 };
}
