import { HandlerError } from '../errors/record-errors.js';
import type { StreamRecord } from '../record/stream-record.js';
import { logSafely } from './log.js';
import { isThenable, type Outcome } from './outcome.js';
import { retryAfter } from './retry.js';
import type { BatchContext, BatchHandler, BatchHandlerResult } from './types.js';
import { NotDecoded, type Walker } from './walker.js';

/** The handler reported fewer records done than it got, without saying why. */
function missingError(done: number, count: number): Error {
  return new Error(`batch handler reported ${done} of ${count} record(s) done without an error`);
}

/**
 * Whole-batch walk: decode in order up to the first record that cannot be decoded (dead-letter it
 * and go on when there is a dead-letter callback), hand the decoded records to the batch handler,
 * map `{ done, error }` to the checkpoint. A retryable error retries the records not yet done
 * (unless the handler has its own retries).
 */
export async function walkBatch<T>(walker: Walker<T>, handler: BatchHandler<T>): Promise<void> {
  const count = walker.items.records.length;
  const records: StreamRecord<T>[] = [];
  const positions: number[] = [];
  for (let i = 0; i < count; i++) {
    const startedAt = walker.settings.onRecord === undefined ? 0 : performance.now();
    const decodedOrPending = walker.decodeAt(i);
    const decoded = decodedOrPending instanceof Promise ? await decodedOrPending : decodedOrPending;
    if (decoded instanceof NotDecoded) {
      const outcome = isThenable<Outcome>(decoded.outcome) ? await decoded.outcome : decoded.outcome;
      walker.start(i);
      walker.settle(i, outcome, startedAt);
      if (outcome.kind === 'failed') break;
      continue;
    }
    records.push(decoded);
    positions.push(i);
  }
  if (records.length === 0 || walker.shouldStop()) return;

  const s = walker.settings;
  const context: BatchContext = {
    signal: s.signal,
    logger: s.logger,
    ...(s.deadline === undefined ? {} : { deadline: s.deadline }),
    ...(s.deadLetter === undefined ? {} : { deadLetter: s.deadLetter as BatchContext['deadLetter'] }),
  };
  const startedAt = performance.now();
  for (const index of positions) walker.start(index);

  let offset = 0; // records[0..offset) are done
  let attempt = 0;
  const call = async (n: number): Promise<void> => {
    attempt = n;
    const slice = offset === 0 ? records : records.slice(offset);
    let result: void | BatchHandlerResult;
    try {
      const returned = handler.handle(slice, context);
      result = isThenable<void | BatchHandlerResult>(returned) ? await returned : returned;
    } catch (error) {
      throw error ?? new Error('batch handler threw without an error');
    }
    const reported = result == null ? slice.length : Math.floor(Number(result.done));
    const done = Number.isFinite(reported) ? Math.min(Math.max(reported, 0), slice.length) : 0;
    for (let k = 0; k < done; k++) {
      walker.settle(
        positions[offset + k] as number,
        { kind: 'done', record: records[offset + k] as StreamRecord<T>, attempts: n },
        startedAt,
      );
    }
    offset += done;
    if (offset < records.length) throw result?.error ?? missingError(done, slice.length);
  };

  let failure: unknown;
  try {
    await call(1);
    return;
  } catch (error) {
    failure = error;
  }
  let interrupted = false;
  if (handler.ownRetries !== true && s.policy.attempts > 1 && s.policy.isRetryable(failure)) {
    if (s.signal.aborted) interrupted = true;
    else {
      const r = await retryAfter(s.policy, failure, call, s.signal, (cause, n) =>
        logSafely(
          s.logger,
          'debug',
          { err: cause, attempt: n, done: offset, of: records.length },
          'batch handler failed, retrying',
        ),
      );
      if (r.ok) return;
      failure = r.error;
      interrupted = r.interrupted;
    }
  }
  const record = records[offset] as StreamRecord<T>;
  walker.settle(
    positions[offset] as number,
    {
      kind: 'failed',
      record,
      attempts: attempt,
      error: new HandlerError(record, attempt, failure),
      reason: interrupted && s.external?.aborted ? 'aborted' : 'handler',
    },
    startedAt,
  );
  // The records after the failed one were handed over but not done: back to pending.
  for (let k = offset + 1; k < records.length; k++) walker.states[positions[k] as number] = 0;
}
