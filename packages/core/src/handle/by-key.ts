import type { Run } from '../batch/run.js';
import { isThenable } from '../batch/thenable.js';
import type { RecordHandler } from '../batch/types.js';
import { type Decoded, decodeUnit, Undecodable } from '../decode/decode-unit.js';
import type { UnitFailure, Units } from '../expand/units.js';
import { DEAD_LETTERED, DONE, FAILED, type Outcome, RUNNING, stateOf } from '../settle/outcome.js';
import type { WalkEnd } from '../settle/result.js';
import { UNREADABLE } from '../source/record-source.js';
import { doneAtFirstAttempt } from '../speed/done-outcome.js';
import { afterFailure, poison } from './attempts.js';
import { LaneHeap } from './lane-heap.js';

/** In `KeyWalk`'s lanes: the unit is the last of its partition key. */
const LAST = -1;
/** In `KeyWalk`'s lanes: the unit is a barrier (in no lane). */
const BARRIER = -2;

/**
 * Up to `concurrency` partition keys at once, each key strictly in order: a unit starts only after
 * every earlier unit with its key succeeded (or was dead-lettered); a failure stops its key only.
 * Among the keys ready, the earliest unit starts first, so the low-water mark moves. A failed unit
 * whose keys are unknown (a malformed record, a corrupt aggregate, any unit that failed to be read
 * when aggregates are expanded) is a barrier: it runs once everything before it settled, and nothing
 * after it starts until it is dead-lettered.
 *
 * Every unit is read up front, keeping its bytes and place (the keys must be known: `Units.keep`); each is decoded, and its
 * record built, at its turn (`Units.seek`). `walk()`
 * starts what may start (the handler's first attempt is called from there) and is called again as
 * units settle; it gives the promise of the walk's end.
 */
export class KeyWalk<T> {
  readonly #states: Uint8Array;
  readonly #failed = new Map<number, Outcome>();
  /**
   * The lanes: for each unit, the next unit of its partition key ({@link LAST} for the last one),
   * or {@link BARRIER}.
   */
  readonly #next: Int32Array;
  readonly #barriers: number[] = [];
  /** The lanes ready to start, by their next unit. */
  readonly #ready = new LaneHeap(16);
  /** Position in `#barriers` of the first unsettled barrier. */
  #barrier = 0;
  /** Every unit before this index settled done or dead-lettered. */
  #settledBefore = 0;
  #inFlight = 0;
  /** A barrier failed: nothing after it may start. */
  #blocked = false;
  /**
   * The unit picked last is still the top of `#ready` (its lane's place). It leaves the heap as it
   * settles, replaced by its lane's next unit in one pass (a synchronous handler: most units), or
   * before the next pick when it goes on asynchronously.
   */
  #onTop = false;
  readonly #end: Promise<WalkEnd>;
  #resolve!: (end: WalkEnd) => void;
  #reject!: (error: unknown) => void;

  /**
   * @param units read now, every one (`keep()`)
   */
  constructor(
    readonly run: Run<T>,
    readonly units: Units,
    readonly handler: RecordHandler<T>,
    readonly concurrency: number,
  ) {
    const lanes = lanesOf(units, this.#barriers, this.#ready);
    this.#next = lanes.next;
    this.#states = new Uint8Array(lanes.count);
    this.#end = new Promise<WalkEnd>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  /**
   * Starts every unit that may start now. Nothing follows its loop: V8 compiles the loop while it
   * runs (on-stack replacement) and reuses that code for the next batches, and code after the loop,
   * not yet run when it was compiled, would leave it at every batch (a deoptimization).
   */
  walk(): void {
    const { run, units, handler } = this;
    try {
      while (this.#inFlight < this.concurrency && !run.shouldStop()) {
        const index = this.#pick();
        if (index < 0) break;
        const startedAt = run.ledger.clock();
        this.#states[index] = RUNNING;
        const decoded = decodeUnit(run.plan, units, units.seek(index));
        let settled: Outcome | Promise<Outcome>;
        if (decoded instanceof Promise) settled = decoded.then((d) => this.#handle(d));
        else if (decoded instanceof Undecodable) {
          settled = poison(run, decoded.record, decoded.error, decoded.reason, 0);
        } else {
          // The handler's first attempt, called from here.
          try {
            const result = handler(decoded, run.firstAttempt);
            settled = isThenable(result)
              ? Promise.resolve(result).then(
                  () => doneAtFirstAttempt(decoded, run.ledger.onRecord !== undefined),
                  (error: unknown) => afterFailure(run, decoded, handler, error),
                )
              : doneAtFirstAttempt(decoded, run.ledger.onRecord !== undefined);
          } catch (error) {
            settled = afterFailure(run, decoded, handler, error);
          }
        }
        if (settled instanceof Promise) {
          if (this.#onTop) {
            this.#onTop = false;
            this.#ready.pop();
          }
          this.#inFlight++;
          settled.then(
            (outcome) => {
              this.#inFlight--;
              this.#settle(index, outcome, startedAt);
              this.walk();
              this.#endIfDone();
            },
            (error: unknown) => this.#reject(error),
          );
        } else this.#settle(index, settled, startedAt);
      }
    } catch (error) {
      this.#reject(error);
    }
  }

  /** The walk's end, once no unit is running and none may start (after `walk()`). */
  end(): Promise<WalkEnd> {
    this.#endIfDone();
    return this.#end;
  }

  #endIfDone(): void {
    if (this.#inFlight === 0) this.#resolve(this.#endOf());
  }

  /** A unit decoded by an asynchronous codec: its handler's first attempt, then retries and poison. */
  #handle(decoded: Decoded<T>): Outcome | Promise<Outcome> {
    const run = this.run;
    if (decoded instanceof Undecodable) return poison(run, decoded.record, decoded.error, decoded.reason, 0);
    try {
      const result = this.handler(decoded, run.firstAttempt);
      if (!isThenable(result)) return doneAtFirstAttempt(decoded, run.ledger.onRecord !== undefined);
      return Promise.resolve(result).then(
        () => doneAtFirstAttempt(decoded, run.ledger.onRecord !== undefined),
        (error: unknown) => afterFailure(run, decoded, this.handler, error),
      );
    } catch (error) {
      return afterFailure(run, decoded, this.handler, error);
    }
  }

  #settle(index: number, outcome: Outcome, startedAt: number): void {
    this.run.ledger.settle(outcome, startedAt);
    const state = stateOf(outcome);
    this.#states[index] = state;
    if (state === FAILED) this.#failed.set(index, outcome);
    const next = this.#next[index] as number;
    if (next !== BARRIER) {
      // A failure stops its key: the lane is not ready again.
      const goesOn = next !== LAST && outcome.kind !== 'failed';
      if (this.#onTop) {
        this.#onTop = false;
        if (goesOn) this.#ready.replaceTop(next);
        else this.#ready.pop();
      } else if (goesOn) this.#ready.push(next);
    } else if (outcome.kind === 'failed') this.#blocked = true;
    else this.#barrier++;
    const states = this.#states;
    while (this.#settledBefore < states.length) {
      const s = states[this.#settledBefore];
      if (s !== DONE && s !== DEAD_LETTERED) break;
      this.#settledBefore++;
    }
  }

  /** The next unit to start, or -1 (from the heap: left on top, see `#onTop`). */
  #pick(): number {
    const barriers = this.#barriers;
    const total = this.#states.length;
    const pending = this.#barrier < barriers.length;
    const limit = this.#blocked || pending ? (barriers[this.#barrier] as number) : total;
    if (!this.#blocked && pending && this.#settledBefore === limit && this.#inFlight === 0) return limit;
    const index = this.#ready.peek();
    if (index < 0 || index >= limit) return -1;
    this.#onTop = true;
    return index;
  }

  #endOf(): WalkEnd {
    const low = this.#settledBefore;
    const units = this.units;
    const failed = this.#failed.get(low);
    return {
      last: low === 0 ? undefined : units.bytesRecord(units.seek(low - 1)),
      failed,
      notStarted: failed === undefined && low < this.#states.length ? units.bytesRecord(units.seek(low)) : undefined,
      done: low,
    };
  }
}

/** The lanes of a walk by key (see {@link lanesOf}). */
interface Lanes {
  /** For each unit, the next unit of its partition key, {@link LAST}, or {@link BARRIER}. */
  readonly next: Int32Array;
  /** Units read. */
  readonly count: number;
}

/**
 * Reads and keeps every unit (`units.keep()`) and chains each to the previous unit of its partition
 * key (a lane: a chain of unit numbers in an Int32Array, no array per key), or marks it a barrier
 * (its number goes to `barriers`), and puts the first unit of every lane in `ready` (in increasing
 * order: each push is O(1)).
 */
function lanesOf(units: Units, barriers: number[], ready: LaneHeap): Lanes {
  // The last unit read of each partition key, to chain the next one to.
  const lasts = new Map<string, { unit: number }>();
  // As many units as records, unless aggregates are expanded (the array then grows).
  let next: Int32Array = new Int32Array(units.source.length);
  for (let i = 0; ; i++) {
    const bytes = units.keep();
    if (bytes === undefined) return { next, count: i };
    if (i === next.length) next = grown(next);
    if (bytes === UNREADABLE && (units.failure as UnitFailure).barrier) {
      next[i] = BARRIER;
      barriers.push(i);
      continue;
    }
    next[i] = LAST;
    const key = units.keyOf(bytes);
    const last = lasts.get(key);
    if (last === undefined) {
      lasts.set(key, { unit: i });
      ready.push(i);
    } else {
      next[last.unit] = i;
      last.unit = i;
    }
  }
}

/** `array` in a buffer twice as long. */
function grown(array: Int32Array): Int32Array {
  const bigger = new Int32Array(array.length * 2 + 16);
  bigger.set(array);
  return bigger;
}
