import type {
  BatchContext,
  BatchHandler,
  DeadLetterHandler,
  Handler,
  RecordContext,
  RecordHandler,
  StreamRecord,
} from '@streamshare/core';
import { type RecordEvent, type RecordSource, readThrownProperty, unitsOf } from '@streamshare/core/internal';

/**
 * What the adapter knows of a batch that core's processBatch has not finished (a handler that never
 * settles, or processBatch rejecting): the first record that is not known to be done, which the
 * adapter then reports. It never names a record after one that is not done (that would lose it);
 * when unsure it names an earlier one (that record is delivered again: at least once).
 *
 * - One record at a time (a record handler without concurrency, or a batch handler): the handlers
 *   are wrapped to remember the last record that may still be running: one whose handler returned
 *   a promise or threw, one handed to the dead-letter callback, the first of a batch handler's
 *   call (see SharedWrapper). Every record before it is done; a record after it, if any was
 *   started, was done synchronously, so reporting it is at worst a record delivered again.
 * - Several partition keys at once: core's `onRecord` hook counts the records done (or
 *   dead-lettered) per sequence number; the first record of the event whose user records are not
 *   all counted is the low-water mark.
 */
export class Progress<T> {
  /** One at a time: the last record handed to the handler or the dead-letter callback. */
  current: StreamRecord<unknown> | undefined;
  /** A batch handler call is running: its first record is `current`, whatever it dead-letters. */
  private batchOpen = false;
  /** By key: records done or dead-lettered, per sequence number. */
  private readonly settled: Map<string, number> | undefined;
  /** Set when the handler answered Lambda: a shared wrapper no longer writes here. */
  answered = false;

  /**
   * @param byKey True when processBatch walks several partition keys at once (a record handler with
   *   concurrency above 1).
   * @param expand True when KPL aggregates are expanded (the `deaggregate` option).
   * @param logger The logger processBatch hands the handlers (the invocation's own child logger):
   *   it tells a shared wrapper which walk a call comes from.
   */
  constructor(
    readonly byKey: boolean,
    private readonly expand: boolean,
    readonly logger: unknown,
  ) {
    this.settled = byKey ? new Map() : undefined;
  }

  /** The handler to give processBatch: the user's, wrapped to remember its record (one at a time only). */
  handler(handler: Handler<T>): Handler<T> {
    if (this.byKey) return handler;
    if (typeof handler === 'function') {
      const user: RecordHandler<T> = handler;
      let wrapper = wrappers.get(user) as SharedWrapper<T> | undefined;
      if (wrapper === undefined) {
        wrapper = new SharedWrapper(user);
        wrappers.set(user, wrapper as SharedWrapper<unknown>);
      }
      return wrapper.claim(this);
    }
    const batch: BatchHandler<T> = handler;
    const handle = (records: readonly StreamRecord<T>[], context: BatchContext) => {
      this.current = records[0];
      this.batchOpen = true;
      let returned: ReturnType<BatchHandler<T>['handle']>;
      try {
        returned = batch.handle(records, context);
      } catch (error) {
        this.batchOpen = false;
        throw error;
      }
      if (!isPromiseLike(returned)) {
        this.batchOpen = false;
        return returned;
      }
      return Promise.resolve(returned).finally(() => {
        this.batchOpen = false;
      });
    };
    return batch.ownRetries === true ? { kind: 'batch', handle, ownRetries: true } : { kind: 'batch', handle };
  }

  /** The dead-letter callback to give processBatch: the user's, wrapped to remember its record (one at a time only). */
  deadLetter(deadLetter: DeadLetterHandler<T> | undefined): DeadLetterHandler<T> | undefined {
    if (deadLetter === undefined || this.byKey) return deadLetter;
    return (record, error) => {
      if (!this.batchOpen) this.current = record;
      return deadLetter(record, error);
    };
  }

  /** The onRecord hook to give processBatch: counts the records done (by key only), then calls the user's. */
  onRecord(user: ((event: RecordEvent) => void) | undefined): ((event: RecordEvent) => void) | undefined {
    const settled = this.settled;
    if (settled === undefined) return user;
    return (event) => {
      if (event.outcome !== 'failed') {
        const key = event.record.sequenceNumber;
        settled.set(key, (settled.get(key) ?? 0) + 1);
      }
      user?.(event);
    };
  }

  /**
   * The first record not known to be done, or `undefined` when every record is known to be done.
   * For a KPL user record, a record with its aggregate's sequence number.
   *
   * @param source What processBatch was given, as a record source.
   */
  firstNotDone(source: RecordSource): StreamRecord<unknown> | undefined {
    if (this.settled === undefined) {
      if (this.current !== undefined) return this.current;
      return source.length === 0 ? undefined : source.identityAt(0);
    }
    const counts = new Map(this.settled);
    for (let i = 0; i < source.length; i++) {
      const identity = source.identityAt(i);
      // How many records processBatch makes of it: its user records for a KPL aggregate, else 1.
      let needed = 1;
      try {
        needed = unitsOf(source, i, this.expand);
      } catch {
        // a record that cannot be read is one record
      }
      const key = identity.sequenceNumber;
      const done = counts.get(key) ?? 0;
      if (done < needed) return identity;
      counts.set(key, done - needed);
    }
    return undefined;
  }
}

/**
 * The wrapper of one record handler, made once and reused by every invocation that runs alone: a
 * new function per invocation costs about 10% of a batch of 10,000 small records (V8 compiles the
 * walk again at each batch, for the new function). It remembers a record only when its handler
 * returns a promise (it may still be running when the handler has to answer Lambda) or throws
 * (processBatch may then reject): storing every record costs about 5% more (a write barrier per
 * record), and a record done synchronously is never the one in flight.
 */
class SharedWrapper<T> {
  /** The invocation the shared function writes to, while one runs. */
  private owner: Progress<T> | undefined;
  private readonly shared: RecordHandler<T>;

  constructor(private readonly user: RecordHandler<T>) {
    this.shared = (record, context) => {
      let result: void | Promise<void>;
      try {
        result = user(record, context);
      } catch (error) {
        this.remember(record, context);
        throw error;
      }
      if ((typeof result === 'object' || typeof result === 'function') && result !== null) {
        this.remember(record, context);
      }
      return result;
    };
  }

  /**
   * The function for `progress`'s walk: the shared one when no other invocation holds it (until
   * `progress` answers), else one of its own (several shards at once, in the poller).
   */
  claim(progress: Progress<T>): RecordHandler<T> {
    const owner = this.owner;
    if (owner === undefined || owner.answered) {
      this.owner = progress;
      return this.shared;
    }
    const user = this.user;
    return (record, context) => {
      let result: void | Promise<void>;
      try {
        result = user(record, context);
      } catch (error) {
        progress.current = record;
        throw error;
      }
      if ((typeof result === 'object' || typeof result === 'function') && result !== null) progress.current = record;
      return result;
    };
  }

  /**
   * Records `record` as the owner's, unless the call comes from another walk (one abandoned at
   * the deadline and still running in the background): processBatch hands each invocation's own
   * logger to the handler in its context.
   */
  private remember(record: StreamRecord<unknown>, context: RecordContext): void {
    const owner = this.owner;
    if (owner !== undefined && !owner.answered && context.logger === owner.logger) owner.current = record;
  }
}

/** The shared wrappers, by user handler. */
const wrappers = new WeakMap<object, SharedWrapper<unknown>>();

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof readThrownProperty(value, 'then') === 'function';
}
