import type { Run } from '../batch/run.js';
import { isThenable } from '../batch/thenable.js';
import type { RecordHandler } from '../batch/types.js';
import { decodeUnit, Undecodable } from '../decode/decode-unit.js';
import type { Units } from '../expand/units.js';
import type { StreamRecord } from '../record/stream-record.js';
import type { Outcome } from '../settle/outcome.js';
import type { WalkEnd } from '../settle/result.js';
import { afterFailure, poison } from './attempts.js';

/** No error: the handler's first attempt succeeded. */
const NONE: unique symbol = Symbol('none');

/**
 * Strict sequence order: one unit at a time, read (normalized, expanded), decoded and handled at
 * its turn; nothing after the first failure starts. The handler's first attempt is called from here
 * (retries and the poison policy are in attempts.ts). Awaits only when the codec or handler returns
 * a promise.
 */
export async function walkInOrder<T>(run: Run<T>, units: Units, handler: RecordHandler<T>): Promise<WalkEnd> {
  const { ledger, plan, firstAttempt } = run;
  let last: StreamRecord<unknown> | undefined;
  let failed: Outcome | undefined;
  let notStarted: StreamRecord<unknown> | undefined;
  for (;;) {
    const bytes = units.next();
    if (bytes === undefined) break;
    if (run.shouldStop()) {
      notStarted = units.bytesRecord(bytes);
      break;
    }
    const startedAt = ledger.clock();
    let decoded = decodeUnit(plan, units, bytes);
    if (decoded instanceof Promise) decoded = await decoded;
    let settled: Outcome | Promise<Outcome>;
    if (decoded instanceof Undecodable) {
      settled = poison(run, decoded.record, decoded.error, decoded.reason, 0);
    } else {
      let error: unknown = NONE;
      try {
        const result = handler(decoded, firstAttempt);
        if (isThenable(result)) await result;
      } catch (thrown) {
        error = thrown;
      }
      if (error === NONE) {
        ledger.done(decoded, startedAt);
        last = decoded;
        continue;
      }
      settled = afterFailure(run, decoded, handler, error);
    }
    const outcome = settled instanceof Promise ? await settled : settled;
    ledger.settle(outcome, startedAt);
    if (outcome.kind === 'failed') {
      failed = outcome;
      break;
    }
    last = outcome.record;
  }
  // Nothing but the end follows the loop (see KeyWalk.walk). Every unit read is done but the one
  // it stopped at.
  const done = failed === undefined && notStarted === undefined ? units.read : units.read - 1;
  return { last, failed, notStarted, done };
}
