import { checkpointOf } from '../checkpoint/compare.js';
import { DeadlineError } from '../errors/record-errors.js';
import { recordAt } from './items.js';
import { DEAD_LETTERED, DONE } from './outcome.js';
import type { BatchResult, FailedRecord } from './types.js';
import type { Walker } from './walker.js';

/** The batch result of a finished walk: low-water checkpoint, first record not done. */
export function resultOf<T>(walker: Walker<T>, startedAt: number): BatchResult {
  const { records } = walker.items;
  const states = walker.states;
  let low = 0;
  while (low < records.length && (states[low] === DONE || states[low] === DEAD_LETTERED)) low++;
  const checkpoint = low === 0 ? undefined : checkpointOf(recordAt(walker.items, low - 1, true));
  return {
    checkpoint,
    failed: low < records.length ? failedAt(walker, low) : undefined,
    total: records.length,
    succeeded: walker.succeeded,
    deadLettered: walker.deadLettered,
    durationMs: performance.now() - startedAt,
  };
}

function failedAt<T>(walker: Walker<T>, index: number): FailedRecord {
  const outcome = walker.failures.get(index);
  if (outcome !== undefined) {
    return {
      record: outcome.record,
      error: outcome.error,
      reason: outcome.reason ?? 'handler',
      ...(outcome.deadLetterError === undefined ? {} : { deadLetterError: outcome.deadLetterError }),
      attempts: outcome.attempts,
    };
  }
  // Never started: the walk stopped before it.
  const record = recordAt(walker.items, index);
  const { deadline, external } = walker.settings;
  if (walker.stopReason === 'deadline' && deadline !== undefined) {
    return { record, error: new DeadlineError(record, deadline), reason: 'deadline', attempts: 0 };
  }
  const reason = external?.reason ?? new Error('processBatch was aborted');
  return { record, error: reason, reason: 'aborted', attempts: 0 };
}
