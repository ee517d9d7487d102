import { logSafely } from '../batch/log.js';
import { retryAfter } from '../batch/retry.js';
import type { Run } from '../batch/run.js';
import type { FailedRecord, RecordHandler } from '../batch/types.js';
import { HandlerError } from '../errors/record-errors.js';
import { errorFromThrown } from '../errors/thrown.js';
import type { StreamRecord } from '../record/stream-record.js';
import type { Outcome } from '../settle/outcome.js';

/**
 * After a handler's first attempt failed with `error`: retries in place when the policy deems the
 * error retryable (backoff from the policy, cut short by the batch's signal), then the poison policy.
 * Never rejects.
 */
export function afterFailure<T>(
  run: Run<T>,
  record: StreamRecord<T>,
  handler: RecordHandler<T>,
  error: unknown,
): Outcome | Promise<Outcome> {
  const s = run.settings;
  if (s.policy.attempts <= 1 || !s.policy.isRetryable(error)) {
    return poison(run, record, new HandlerError(record, 1, error), 'handler', 1);
  }
  if (s.signal.aborted) return interrupted(run, record, 1, error);
  return retryAfter(
    s.policy,
    error,
    (n) => handler(record, run.attempt(n)),
    s.signal,
    (cause, attempt) =>
      logSafely(
        s.logger,
        'debug',
        { err: cause, sequenceNumber: record.sequenceNumber, subSequenceNumber: record.subSequenceNumber, attempt },
        'handler failed, retrying',
      ),
  ).then((r): Outcome | Promise<Outcome> => {
    if (r.ok) return { kind: 'done', record, attempts: r.attempts };
    if (r.interrupted) return interrupted(run, record, r.attempts, r.error);
    return poison(run, record, new HandlerError(record, r.attempts, r.error), 'handler', r.attempts);
  });
}

/** Retries cut short by the deadline or an abort: reported as failed, never dead-lettered. */
export function interrupted<T>(run: Run<T>, record: StreamRecord<T>, attempts: number, error: unknown): Outcome {
  return {
    kind: 'failed',
    record,
    attempts,
    error: new HandlerError(record, attempts, error),
    reason: run.settings.external?.aborted ? 'aborted' : 'handler',
  };
}

/**
 * The poison policy for a unit that failed (after its retries, or without a decoded record): block
 * (failed) without a dead-letter callback; else dead-letter it and go on, or block when the callback
 * fails (its error reported beside the unit's).
 */
export function poison<T>(
  run: Run<T>,
  record: StreamRecord<unknown>,
  error: unknown,
  reason: FailedRecord['reason'],
  attempts: number,
): Outcome | Promise<Outcome> {
  const deadLetter = run.settings.deadLetter;
  if (deadLetter === undefined) return { kind: 'failed', record, attempts, error, reason };
  const logger = run.settings.logger;
  const onDeadLetterFailure = (thrown: unknown): Outcome => {
    // Whatever the callback threw, the report carries an Error with a readable message.
    const deadLetterError = errorFromThrown(thrown);
    logSafely(
      logger,
      'error',
      { err: deadLetterError, cause: error },
      'dead-letter callback failed; blocking on the record',
    );
    return { kind: 'failed', record, attempts, error, reason, deadLetterError };
  };
  let pending: Promise<void>;
  try {
    pending = deadLetter(record as StreamRecord<T>, error);
  } catch (deadLetterError) {
    return onDeadLetterFailure(deadLetterError);
  }
  return Promise.resolve(pending).then((): Outcome => {
    logSafely(
      logger,
      'warn',
      { err: error, sequenceNumber: record.sequenceNumber, subSequenceNumber: record.subSequenceNumber },
      'record dead-lettered',
    );
    return { kind: 'dead-lettered', record, attempts, error, reason };
  }, onDeadLetterFailure);
}
