import { DEAD_LETTERED, DONE, isThenable, type Outcome } from './outcome.js';
import type { RecordHandler } from './types.js';
import type { Walker } from './walker.js';

/**
 * Strict sequence order: one record at a time; nothing after the first failure starts.
 * Awaits only when the codec or handler returns a promise.
 */
export async function walkInOrder<T>(walker: Walker<T>, handler: RecordHandler<T>): Promise<void> {
  const count = walker.items.records.length;
  for (let i = 0; i < count; i++) {
    if (walker.shouldStop()) return;
    const startedAt = walker.settings.onRecord === undefined ? 0 : performance.now();
    walker.start(i);
    const result = walker.runRecord(i, handler);
    const outcome = isThenable<Outcome>(result) ? await result : result;
    walker.settle(i, outcome, startedAt);
    if (outcome.kind === 'failed') return;
  }
}

/** The records of one partition key, walked in order. */
interface Lane {
  readonly indices: number[];
  next: number;
  running: boolean;
}

/** A binary min-heap of lanes by the index of their next record: the earliest record starts first. */
class LaneHeap {
  readonly #lanes: Lane[] = [];

  get size(): number {
    return this.#lanes.length;
  }

  #key(lane: Lane): number {
    return lane.indices[lane.next] as number;
  }

  peek(): Lane | undefined {
    return this.#lanes[0];
  }

  push(lane: Lane): void {
    const a = this.#lanes;
    a.push(lane);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.#key(a[parent] as Lane) <= this.#key(lane)) break;
      a[i] = a[parent] as Lane;
      i = parent;
    }
    a[i] = lane;
  }

  pop(): Lane | undefined {
    const a = this.#lanes;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      let i = 0;
      const n = a.length;
      const key = this.#key(last);
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && this.#key(a[r] as Lane) < this.#key(a[l] as Lane) ? r : l;
        if (this.#key(a[c] as Lane) >= key) break;
        a[i] = a[c] as Lane;
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}

/**
 * Up to `concurrency` partition keys at once, each key strictly in order: a record starts only
 * after every earlier record with its key succeeded (or was dead-lettered); a failure stops its
 * key only. Among the keys ready, the earliest record starts first, so the low-water mark moves.
 * A pre-failed input whose keys are unknown (rejected input, corrupt aggregate) is a barrier:
 * it runs once everything before it settled, and nothing after it starts until it is dead-lettered.
 */
export function walkByKey<T>(walker: Walker<T>, handler: RecordHandler<T>, concurrency: number): Promise<void> {
  const records = walker.items.records;
  const failures = walker.items.failures;
  const lanes = new Map<string, Lane>();
  const laneOf: Lane[] = new Array(records.length);
  const barriers: number[] = [];
  for (let i = 0; i < records.length; i++) {
    if (failures?.get(i)?.barrier) {
      barriers.push(i);
      continue;
    }
    const key = (records[i] as { partitionKey: string }).partitionKey;
    let lane = lanes.get(key);
    if (lane === undefined) {
      lane = { indices: [], next: 0, running: false };
      lanes.set(key, lane);
    }
    lane.indices.push(i);
    laneOf[i] = lane;
  }
  const ready = new LaneHeap();
  for (const lane of lanes.values()) ready.push(lane);

  let barrier = 0; // position in `barriers` of the first unsettled barrier
  let settledBefore = 0; // every item before this index has settled done/dead-lettered
  let inFlight = 0;
  let blocked = false; // a barrier failed: nothing after it may start

  return new Promise<void>((resolve, reject) => {
    const advanceLowWater = () => {
      const states = walker.states;
      while (settledBefore < records.length) {
        const state = states[settledBefore];
        if (state !== DONE && state !== DEAD_LETTERED) break;
        settledBefore++;
      }
    };

    const finish = (index: number, outcome: Outcome, startedAt: number) => {
      walker.settle(index, outcome, startedAt);
      const lane = laneOf[index];
      if (lane !== undefined) {
        lane.running = false;
        lane.next++;
        if (outcome.kind !== 'failed' && lane.next < lane.indices.length) ready.push(lane);
      } else {
        // a barrier
        if (outcome.kind === 'failed') blocked = true;
        else barrier++;
      }
      advanceLowWater();
    };

    /** The next item to start, or -1. */
    const pick = (): number => {
      const limit = blocked || barrier < barriers.length ? (barriers[barrier] as number) : records.length;
      if (!blocked && barrier < barriers.length && settledBefore === limit && inFlight === 0) return limit;
      const lane = ready.peek();
      if (lane === undefined) return -1;
      const index = lane.indices[lane.next] as number;
      if (index >= limit) return -1;
      ready.pop();
      lane.running = true;
      return index;
    };

    const pump = () => {
      try {
        while (inFlight < concurrency && !walker.shouldStop()) {
          const index = pick();
          if (index < 0) break;
          const startedAt = walker.settings.onRecord === undefined ? 0 : performance.now();
          walker.start(index);
          const result = walker.runRecord(index, handler);
          if (isThenable<Outcome>(result)) {
            inFlight++;
            result.then(
              (outcome) => {
                inFlight--;
                finish(index, outcome, startedAt);
                pump();
              },
              (error: unknown) => reject(error),
            );
          } else {
            finish(index, result, startedAt);
          }
        }
        if (inFlight === 0) resolve();
      } catch (error) {
        reject(error);
      }
    };
    pump();
  });
}
