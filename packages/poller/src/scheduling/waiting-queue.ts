import { AbortedError } from '../calls/call-with-retries.js';

/**
 * A waiter as its queue shows it: what it asked for and when.
 * @internal
 */
export interface Waiting<D> {
  /** What the waiter asked for (the bytes of a reservation, nothing for a turn). */
  readonly data: D;
  /** When it started waiting (the queue's clock, ms). */
  readonly since: number;
}

interface Entry<D, T> extends Waiting<D> {
  readonly resolve: (value: T) => void;
  readonly reject: (error: unknown) => void;
  readonly signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  /** Granted or abandoned: skipped when it comes to the head. */
  settled: boolean;
}

/**
 * The waiters of one of the poller's shared resources (request turns, the memory budget, slices of
 * the event loop), first come, first served. The resource decides when the first one may go
 * ({@link first}, then {@link grant}); the queue keeps the order, the waiting times and the aborts: a
 * waiter whose signal aborts rejects with AbortedError and leaves its place.
 *
 * An array with a head index: O(1) at both ends, compacted as it drains; an abandoned waiter is
 * skipped when it reaches the head.
 * @internal
 */
export class WaitingQueue<D, T> {
  readonly #what: string;
  readonly #now: () => number;
  #items: (Entry<D, T> | undefined)[] = [];
  #head = 0;
  #live = 0;

  /**
   * @param what what the waiters wait for, for the AbortedError of an abandoned wait ("waiting for ...").
   * @param now the clock of `since` (ms).
   */
  constructor(what: string, now: () => number) {
    this.#what = what;
    this.#now = now;
  }

  /** Waiters waiting now (abandoned ones not counted). */
  get length(): number {
    return this.#live;
  }

  /**
   * Queues a waiter; its promise resolves with what {@link grant} gives it. When `signal` aborts
   * first, it rejects with AbortedError, leaves the queue, and `onAbandon` runs (the resource may
   * grant the next one). An aborted signal rejects at once.
   */
  wait(data: D, signal?: AbortSignal, onAbandon?: () => void): Promise<T> {
    if (signal?.aborted) return Promise.reject(new AbortedError(this.#what));
    return new Promise<T>((resolve, reject) => {
      const entry: Entry<D, T> = {
        data,
        since: this.#now(),
        resolve,
        reject,
        signal,
        onAbort: undefined,
        settled: false,
      };
      if (signal) {
        entry.onAbort = () => {
          if (entry.settled) return;
          entry.settled = true;
          this.#live--;
          reject(new AbortedError(this.#what));
          onAbandon?.();
        };
        signal.addEventListener('abort', entry.onAbort, { once: true });
      }
      this.#items.push(entry);
      this.#live++;
    });
  }

  /** The first waiter, if any. */
  first(): Waiting<D> | undefined {
    this.#skipSettled();
    return this.#items[this.#head];
  }

  /** Gives `value` to the first waiter (which leaves the queue); false when none waits. */
  grant(value: T): boolean {
    this.#skipSettled();
    const entry = this.#items[this.#head];
    if (entry === undefined) return false;
    this.#items[this.#head++] = undefined;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    entry.settled = true;
    this.#live--;
    if (entry.onAbort) entry.signal?.removeEventListener('abort', entry.onAbort);
    entry.resolve(value);
    return true;
  }

  #skipSettled(): void {
    while (this.#head < this.#items.length && this.#items[this.#head]?.settled) this.#items[this.#head++] = undefined;
    if (this.#head > 0 && this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    }
  }
}
