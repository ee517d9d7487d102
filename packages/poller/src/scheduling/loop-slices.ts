import { WaitingQueue } from './waiting-queue.js';

/**
 * Default most milliseconds of the poller's page work that go ahead between two turns of the event
 * loop (see {@link LoopSlices}).
 * @internal
 */
export const DEFAULT_SLICE_MS = 10;

/** Callbacks queued at once for the next check phase: each may let one waiter go ahead. */
const BATCH = 16;

/**
 * Options of {@link LoopSlices}.
 * @internal
 */
export interface LoopSlicesOptions {
  /** Most milliseconds of work let through between two turns of the loop (default {@link DEFAULT_SLICE_MS}). */
  readonly sliceMs?: number | undefined;
  /** Clock (ms), for tests. */
  readonly now?: (() => number) | undefined;
}

/**
 * What {@link LoopSlices} has done, for metrics and tests.
 * @internal
 */
export interface LoopSlicesStats {
  /** Passes that went ahead at once. */
  readonly passed: number;
  /** Passes that waited for a later turn of the loop. */
  readonly deferred: number;
  /** Passes waiting now. */
  readonly waiting: number;
}

/**
 * Slices of the event loop for the poller's page work, so that it never holds the loop for long:
 * `/healthz`, metrics scrapes, timers and the sockets of other shards get a turn between slices.
 *
 * With a thousand shards, many responses arrive at once, and each one's work (parsing the page,
 * handling its records, checkpointing, sending the next request) runs to its end in the callback
 * that got it: a single turn of the loop could handle hundreds of pages, and a health probe waited
 * behind all of them. Instead, each piece of page work first asks {@link pass}: it goes ahead at
 * once while the work let through since the loop's last turn is under `sliceMs`; otherwise it waits
 * (first come, first served) for the loop's next check phase (setImmediate), where waiters are let
 * through one at a time (the microtasks of each run before the next) until `sliceMs` is spent; the
 * rest wait for the turn after. At least one waiter goes per turn, so all of them go eventually, and
 * a lone page never waits.
 *
 * So a turn of the loop does at most about `sliceMs` of page work opened before its check phase
 * (timers, I/O) plus `sliceMs` in it, each overrun by at most one piece of work.
 * @internal
 */
export class LoopSlices {
  readonly sliceMs: number;
  readonly #now: () => number;
  readonly #queue: WaitingQueue<undefined, undefined>;
  /** Whether work went ahead since the loop's last check phase, and since when. */
  #open = false;
  #sliceStart = 0;
  /** Callbacks queued for the next check phase, and whether the first of them has run. */
  #pending = 0;
  #turned = false;
  #passed = 0;
  #deferred = 0;

  constructor(options: LoopSlicesOptions = {}) {
    this.sliceMs = Math.max(0, options.sliceMs ?? DEFAULT_SLICE_MS);
    this.#now = options.now ?? (() => performance.now());
    this.#queue = new WaitingQueue('waiting for a turn of the event loop', this.#now);
  }

  /**
   * Whether the caller's work may go on now: `undefined` when it may (no promise, no microtask:
   * the cheap common case), else a promise that resolves at a later turn of the loop.
   */
  pass(): Promise<undefined> | undefined {
    if (this.#queue.length === 0) {
      if (!this.#open) {
        this.#open = true;
        this.#sliceStart = this.#now();
        this.#arm();
        this.#passed++;
        return undefined;
      }
      if (this.#now() - this.#sliceStart < this.sliceMs) {
        this.#passed++;
        return undefined;
      }
    }
    this.#deferred++;
    const wait = this.#queue.wait(undefined);
    this.#arm();
    return wait;
  }

  stats(): LoopSlicesStats {
    return { passed: this.#passed, deferred: this.#deferred, waiting: this.#queue.length };
  }

  /**
   * Queues callbacks for the next check phase: one per waiter (up to {@link BATCH}), at least one
   * (it closes the slice). Added to a batch that has not started; otherwise a new batch.
   */
  #arm(): void {
    const want = Math.max(1, Math.min(BATCH, this.#queue.length));
    if (this.#pending === 0) this.#turned = false;
    else if (this.#turned) return;
    for (; this.#pending < want; this.#pending++) setImmediate(this.#onCheck);
  }

  /**
   * One callback of the check phase: the first says the loop went round (a new slice); each lets one
   * waiter through while the slice has time left (always the slice's first). Node runs the
   * microtasks of a callback before the next one, so a waiter's work is done when the next callback
   * reads the clock. The last callback queues another batch while some wait or a slice is open.
   */
  readonly #onCheck = (): void => {
    if (!this.#turned) {
      this.#turned = true;
      this.#open = false;
    }
    this.#pending--;
    if (this.#queue.length > 0) {
      const now = this.#now();
      if (!this.#open) {
        this.#open = true;
        this.#sliceStart = now;
        this.#queue.grant(undefined);
      } else if (now - this.#sliceStart < this.sliceMs) {
        this.#queue.grant(undefined);
      }
    }
    if (this.#pending === 0 && (this.#queue.length > 0 || this.#open)) this.#arm();
  };
}
