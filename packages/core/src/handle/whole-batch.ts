import { logSafely } from '../batch/log.js';
import { retryAfter } from '../batch/retry.js';
import type { Run } from '../batch/run.js';
import { isThenable } from '../batch/thenable.js';
import type { BatchContext, BatchHandler, BatchHandlerResult } from '../batch/types.js';
import { decodeUnit, Undecodable } from '../decode/decode-unit.js';
import { HandlerError } from '../errors/record-errors.js';
import type { Units } from '../expand/units.js';
import type { StreamRecord } from '../record/stream-record.js';
import { DEAD_LETTERED, DONE, type Outcome, PENDING, RUNNING, stateOf } from '../settle/outcome.js';
import type { WalkEnd } from '../settle/result.js';
import { poison } from './attempts.js';

/** No error: the first attempt did every record. */
const NONE: unique symbol = Symbol('none');

/** What a batch handler's call returns. */
type BatchAttempt = ReturnType<BatchHandler<unknown>['handle']>;

/**
 * What an attempt failed with, as an error to retry on or report: a handler may throw nothing
 * (`undefined`, `null`).
 */
function thrownOrError(error: unknown): unknown {
  return error ?? new Error('batch handler threw without an error');
}

/** The handler reported fewer records done than it got, without saying why. */
function missingError(done: number, count: number): Error {
  return new Error(`batch handler reported ${done} of ${count} record(s) done without an error`);
}

/**
 * Whole-batch walk: read and decode the units in order up to the first that cannot be decoded
 * (dead-letter it and go on when there is a dead-letter callback), hand the decoded records to the
 * batch handler at once, map `{ done, error }` to the checkpoint. A retryable error retries the
 * records not yet done (unless the handler has its own retries).
 */
export async function walkBatch<T>(run: Run<T>, units: Units, handler: BatchHandler<T>): Promise<WalkEnd> {
  const batch = new Collected<T>(run);
  await collect(run, units, batch);
  const { records, positions } = batch;
  if (records.length === 0 || run.shouldStop()) return batch.end();

  const s = run.settings;
  const context: BatchContext = {
    signal: s.signal,
    logger: s.logger,
    ...(s.deadline === undefined ? {} : { deadline: s.deadline }),
    ...(s.deadLetter === undefined ? {} : { deadLetter: s.deadLetter as BatchContext['deadLetter'] }),
  };
  const startedAt = performance.now();
  for (const unit of positions) batch.states[unit] = RUNNING;

  let offset = 0; // records[0..offset) are done
  let attempt = 1;
  /**
   * Settles the records attempt `n` reports done (`returned`: what the handler returned, for
   * `count` records); throws why the others are not.
   */
  const account = async (returned: BatchAttempt, n: number, count: number): Promise<void> => {
    const result = isThenable<void | BatchHandlerResult>(returned) ? await returned : returned;
    const reported = result == null ? count : Math.floor(Number(result.done));
    const done = Number.isFinite(reported) ? Math.min(Math.max(reported, 0), count) : 0;
    for (let k = 0; k < done; k++) {
      batch.settle(
        positions[offset + k] as number,
        { kind: 'done', record: records[offset + k] as StreamRecord<T>, attempts: n },
        startedAt,
      );
    }
    offset += done;
    if (offset < records.length) throw result?.error ?? missingError(done, count);
  };
  /** A retry: the records not done yet. */
  const retry = async (n: number): Promise<void> => {
    attempt = n;
    const rest = records.slice(offset);
    try {
      await account(handler.handle(rest, context), n, rest.length);
    } catch (error) {
      throw thrownOrError(error);
    }
  };

  // The first attempt, called from here (not through `retry`: the handler stays 2 calls deep): every record.
  let failure: unknown = NONE;
  try {
    await account(handler.handle(records, context), 1, records.length);
  } catch (error) {
    failure = thrownOrError(error);
  }
  if (failure === NONE) return batch.end();
  let interrupted = false;
  if (handler.ownRetries !== true && s.policy.attempts > 1 && s.policy.isRetryable(failure)) {
    if (s.signal.aborted) interrupted = true;
    else {
      const r = await retryAfter(s.policy, failure, retry, s.signal, (cause, n) =>
        logSafely(
          s.logger,
          'debug',
          { err: cause, attempt: n, done: offset, of: records.length },
          'batch handler failed, retrying',
        ),
      );
      if (r.ok) return batch.end();
      failure = r.error;
      interrupted = r.interrupted;
    }
  }
  const record = records[offset] as StreamRecord<T>;
  batch.settle(
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
  for (let k = offset + 1; k < records.length; k++) batch.states[positions[k] as number] = PENDING;
  return batch.end();
}

/** The units of a whole-batch walk: each one's record (decoded, or as far as it can be told) and state. */
class Collected<T> {
  readonly unitRecords: StreamRecord<unknown>[] = [];
  readonly states: number[] = [];
  readonly failed = new Map<number, Outcome>();
  /** The decoded records, for the handler, and the unit each one is. */
  readonly records: StreamRecord<T>[] = [];
  readonly positions: number[] = [];

  constructor(readonly run: Run<T>) {}

  settle(unit: number, outcome: Outcome, startedAt: number): void {
    this.run.ledger.settle(outcome, startedAt);
    this.states[unit] = stateOf(outcome);
    if (outcome.kind === 'failed') this.failed.set(unit, outcome);
  }

  end(): WalkEnd {
    const { states, unitRecords } = this;
    let low = 0;
    while (low < states.length && (states[low] === DONE || states[low] === DEAD_LETTERED)) low++;
    const failure = this.failed.get(low);
    return {
      last: low === 0 ? undefined : unitRecords[low - 1],
      failed: failure,
      notStarted: failure === undefined && low < unitRecords.length ? unitRecords[low] : undefined,
      done: low,
    };
  }
}

/**
 * Reads and decodes the units in order up to the first that cannot be decoded and is not
 * dead-lettered. Nothing follows its loop (see KeyWalk.walk).
 */
async function collect<T>(run: Run<T>, units: Units, batch: Collected<T>): Promise<void> {
  const { ledger, plan } = run;
  const { unitRecords, states, records, positions } = batch;
  for (;;) {
    const bytes = units.next();
    if (bytes === undefined) break;
    const unit = unitRecords.length;
    const startedAt = ledger.clock();
    const pending = decodeUnit(plan, units, bytes);
    const decoded = pending instanceof Promise ? await pending : pending;
    if (decoded instanceof Undecodable) {
      unitRecords.push(decoded.record);
      states.push(RUNNING);
      const settled = poison(run, decoded.record, decoded.error, decoded.reason, 0);
      const outcome = settled instanceof Promise ? await settled : settled;
      batch.settle(unit, outcome, startedAt);
      if (outcome.kind === 'failed') break;
      continue;
    }
    unitRecords.push(decoded);
    states.push(PENDING);
    records.push(decoded);
    positions.push(unit);
  }
}
