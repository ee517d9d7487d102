import { InvalidInputError } from '@streamshare/core';
import { AbortedError } from '../calls/call-with-retries.js';
import { WaitingQueue } from './waiting-queue.js';

/**
 * The default {@link MemoryBudget} of a poller: 64 MiB of record payloads in hand across all shards.
 * @internal
 */
export const DEFAULT_MAX_BUFFERED_BYTES = 64 * 1024 * 1024;

/**
 * Memory a page takes while it is in hand, per byte of record payload: the response's JSON text,
 * its base64 strings and the records' bytes live at once while the page is parsed; after that, the
 * bytes and the records until the batch is settled. About 3: the budget counts a page as 3× its payload.
 * @internal
 */
export const PAGE_MEMORY_FACTOR = 3;

/** The memory a page of `payloadBytes` is counted for in the budget. Pure. @internal */
export function pageMemory(payloadBytes: number): number {
  return payloadBytes * PAGE_MEMORY_FACTOR;
}

/**
 * What a first read is assumed to bring before any page was seen: 1 MiB.
 * @internal
 */
export const FIRST_READ_ESTIMATE = 1024 * 1024;

/**
 * Bytes held for one read: reserved before the GetRecords call (an estimate), set to the page's
 * payload bytes once it returned, released once its records are settled (and checkpointed).
 * @internal
 */
export interface BudgetHold {
  /** The page's true size (it may be above or below the estimate reserved). */
  resize(bytes: number): void;
  /** Gives the bytes back (once; later calls do nothing). */
  release(): void;
  /** How long the reservation waited for room (ms); 0 when it had room at once. */
  readonly waitedMs: number;
}

/** What a reservation waits for (the message of an abandoned wait). */
const WAITING_FOR = 'waiting for room in maxBufferedBytes';

/**
 * One memory budget for the pages in hand across all the shards of a poller (`maxBufferedBytes`).
 * A shard reserves its next page's estimated size before it reads; a reservation that does not fit
 * waits, in order, until enough is released. Never a deadlock: a reservation always goes ahead when
 * nothing is held (a single page larger than the whole budget is read alone), and a reader holds at
 * most one page, which its delivery releases whatever other shards do.
 *
 * The bound is on what is reserved plus the surprise of pages that came back larger than their
 * estimate: such a page holds its true size, and no further read starts until the total is back
 * under the budget.
 * @internal
 */
export class MemoryBudget {
  readonly maxBytes: number;
  readonly #now: () => number;
  #held = 0;
  #peak = 0;
  #waits = 0;
  readonly #queue: WaitingQueue<number, BudgetHold>;
  /** Moving average of the non-empty pages seen: the estimate of a read with nothing better to go by. */
  #averagePage = 0;

  constructor(maxBytes: number = DEFAULT_MAX_BUFFERED_BYTES, now: () => number = () => performance.now()) {
    this.maxBytes = maxBytes;
    this.#now = now;
    this.#queue = new WaitingQueue(WAITING_FOR, now);
  }

  /** Bytes held now. */
  get held(): number {
    return this.#held;
  }

  /** Most bytes held at once so far. */
  get peak(): number {
    return this.#peak;
  }

  /** Reservations that had to wait, so far. */
  get waits(): number {
    return this.#waits;
  }

  /** Reservations waiting now. */
  get waiting(): number {
    return this.#queue.length;
  }

  /**
   * The size to reserve for a shard's next read: the larger of its last page's and the average page
   * seen; for a shard not read yet, the average page, or {@link FIRST_READ_ESTIMATE} (at most the
   * budget) before any page was seen, so that the first reads of many shards do not all go at once.
   */
  estimate(lastPageBytes: number | undefined): number {
    if (lastPageBytes !== undefined) return Math.max(lastPageBytes, this.#averagePage);
    return this.#averagePage > 0 ? this.#averagePage : Math.min(this.maxBytes, FIRST_READ_ESTIMATE);
  }

  /**
   * Reserves `bytes` for a read: at once when they fit (or nothing is held) and nobody waits before,
   * else once enough is released. Rejects with AbortedError when `signal` aborts while it waits.
   */
  reserve(bytes: number, signal?: AbortSignal): Promise<BudgetHold> {
    if (signal?.aborted) return Promise.reject(new AbortedError(WAITING_FOR));
    if (this.#queue.length === 0 && this.#fits(bytes)) return Promise.resolve(this.#hold(bytes, 0));
    this.#waits++;
    return this.#queue.wait(bytes, signal, this.#grant);
  }

  #fits(bytes: number): boolean {
    return this.#held === 0 || this.#held + bytes <= this.maxBytes;
  }

  #hold(bytes: number, waitedMs: number): BudgetHold {
    let mine = bytes;
    let released = false;
    this.#add(mine);
    return {
      waitedMs,
      resize: (size: number) => {
        if (released) return;
        if (size > 0) this.#averagePage += (size - this.#averagePage) * (this.#averagePage === 0 ? 1 : 0.1);
        const before = mine;
        this.#add(size - before);
        mine = size;
        if (size < before) this.#grant();
      },
      release: () => {
        if (released) return;
        released = true;
        this.#add(-mine);
        this.#grant();
      },
    };
  }

  #add(bytes: number): void {
    this.#held += bytes;
    if (this.#held > this.#peak) this.#peak = this.#held;
  }

  /** Grants waiting reservations in order while the first fits. */
  readonly #grant = (): void => {
    for (let first = this.#queue.first(); first !== undefined && this.#fits(first.data); first = this.#queue.first()) {
      this.#queue.grant(this.#hold(first.data, this.#now() - first.since));
    }
  };
}

/**
 * The budget of `maxBufferedBytes` (default {@link DEFAULT_MAX_BUFFERED_BYTES}; `Infinity`: none).
 * @throws InvalidInputError (code `INVALID_OPTION`) when it is not a positive number.
 * @internal
 */
export function memoryBudget(maxBufferedBytes: number | undefined): MemoryBudget {
  if (maxBufferedBytes === undefined) return new MemoryBudget();
  if (typeof maxBufferedBytes !== 'number' || Number.isNaN(maxBufferedBytes) || maxBufferedBytes <= 0) {
    throw new InvalidInputError(
      'INVALID_OPTION',
      `createPoller: maxBufferedBytes must be a positive number of bytes (the record payloads in hand across all shards), got ${String(maxBufferedBytes)}`,
    );
  }
  return new MemoryBudget(maxBufferedBytes);
}
