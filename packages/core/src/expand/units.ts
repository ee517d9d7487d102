import type { FailedRecord } from '../batch/types.js';
import type { SequenceCheckpoint } from '../checkpoint/checkpoint.js';
import type { StreamRecord } from '../record/stream-record.js';
import { type RecordSource, UNREADABLE } from '../source/record-source.js';
import { type Aggregate, firstUserRecord, isAggregated, pastAggregate, readAggregate, userRecordsLeft } from './kpl.js';

/** A unit that cannot be handled: a record that cannot be read, or a corrupt KPL aggregate. */
export interface UnitFailure {
  /** What can be told of it (for a corrupt aggregate, the aggregated record with its bytes). */
  readonly record: StreamRecord<Uint8Array>;
  readonly error: unknown;
  readonly reason: Extract<FailedRecord['reason'], 'decode' | 'aggregate'>;
  /**
   * Its partition key (or those of the user records hidden in it) cannot be trusted: with
   * concurrency by key, nothing after it starts until it is dead-lettered.
   */
  readonly barrier: boolean;
}

/** What the decode stage builds a unit's record with (see `decodeUnit`). */
export interface UnitRecords {
  /** The unit's record holding `data` (its bytes, or what the codec made of them). */
  record<D>(data: D): StreamRecord<D>;
  /** `bytes`, the unit's, as bytes of its own: a copy when they may live in a scratch buffer. */
  own(bytes: Uint8Array): Uint8Array;
}

/**
 * The expand stage: the records of a source as units, in order, one at a time: a plain record, or
 * each user record of a KPL aggregate (expanded at its turn, those a partly done checkpoint covers
 * skipped), or a unit that fails whole (a record that cannot be read, a corrupt aggregate).
 *
 * `next()` reads the next unit and gives its bytes (`undefined` past the last unit,
 * {@link UNREADABLE} for a failed unit, described by `failure`); `record(data)` builds the unit's
 * {@link StreamRecord} holding `data`. A unit is read once. For the walk by partition key, which
 * needs every key before it starts and decodes units out of order, `keep()` reads the next unit as
 * `next()` does and keeps its bytes and place (no record is built; `keyOf()` gives its partition
 * key), and `seek(i)` makes kept unit `i` the current one again: its record is then built at its
 * turn, once, with the codec's value.
 */
export class Units implements UnitRecords {
  /** The source record of the current unit. */
  index = -1;
  /** The current unit's index among the user records of `aggregate`, or -1 for a plain record. */
  sub = -1;
  /** Units read so far. */
  read = 0;
  /** The aggregate the current unit is a user record of. */
  aggregate: Aggregate | undefined;
  /** Why the current unit fails, when `next()` gave {@link UNREADABLE}. */
  failure: UnitFailure | undefined;
  /**
   * The aggregates read without a unit to deliver (no user record in them, or all done before), by
   * the number of units read before them: the checkpoint past each (see {@link passedAt}). Rare:
   * undefined until there is one.
   */
  #passed: Map<number, SequenceCheckpoint> | undefined;
  /** The units `keep()` read, for `seek()`. */
  #kept: KeptUnits | undefined;

  /**
   * @param expand expand KPL aggregates (else an aggregate is one record, its bytes as they are)
   * @param resumeFrom where reading resumed: a partly done aggregate's user records up to it are skipped
   * @param scratch the bytes of a plain record may live in a buffer the next read reuses
   */
  constructor(
    readonly source: RecordSource,
    readonly expand: boolean,
    readonly resumeFrom: SequenceCheckpoint | undefined,
    readonly scratch: boolean,
  ) {}

  /** Reads the next unit: its bytes, {@link UNREADABLE} (see `failure`), or undefined past the last one. */
  next(): Uint8Array | undefined {
    const aggregate = this.aggregate;
    if (aggregate !== undefined) {
      if (++this.sub < aggregate.count) {
        this.read++;
        return aggregate.bytes(this.sub);
      }
      this.aggregate = undefined;
      this.sub = -1;
    }
    const source = this.source;
    for (;;) {
      const index = ++this.index;
      if (index >= source.length) {
        this.index = source.length;
        return undefined;
      }
      const bytes = source.bytesAt(index, this.scratch);
      if (bytes === UNREADABLE) {
        const failure = source.failureAt(index);
        this.failure = {
          record: failure.record,
          error: failure.error,
          reason: 'decode',
          barrier: this.expand || !failure.keyKnown,
        };
        this.read++;
        return UNREADABLE;
      }
      if (this.expand && source.mayHoldAggregates && bytes instanceof Uint8Array && isAggregated(bytes)) {
        const user = this.#open(index, bytes);
        if (user === undefined) continue; // no user record to deliver: passed (see passedAt)
        this.read++;
        return user;
      }
      this.read++;
      return bytes;
    }
  }

  /** The current unit's record holding `data` (its bytes, or what the codec made of them). */
  record<D>(data: D): StreamRecord<D> {
    const aggregate = this.aggregate;
    return aggregate === undefined ? this.source.recordAt(this.index, data) : aggregate.record(this.sub, data);
  }

  own(bytes: Uint8Array): Uint8Array {
    return this.scratch && this.aggregate === undefined ? bytes.slice() : bytes;
  }

  /**
   * The current unit, held while an asynchronous codec decodes it (the walk by partition key moves
   * on to other units meanwhile).
   */
  hold(): UnitRecords {
    return new HeldUnit(this.source, this.index, this.aggregate, this.sub);
  }

  /**
   * The current unit's record as it was read (`bytes`, what `next()` gave): holding its own bytes
   * (never a scratch buffer's), or, for a failed unit, what can be told of it. For reports.
   */
  bytesRecord(bytes: Uint8Array): StreamRecord<Uint8Array> {
    if (bytes === UNREADABLE) return (this.failure as UnitFailure).record;
    return this.record(this.own(bytes));
  }

  /**
   * Reads the next unit as `next()` does and keeps its bytes and place, for `seek()` (units are
   * numbered from 0 in the order read): for the walk by partition key, which reads every unit first.
   */
  keep(): Uint8Array | undefined {
    const bytes = this.next();
    if (bytes === undefined) return undefined;
    let kept = this.#kept;
    if (kept === undefined) {
      kept = new KeptUnits(this.source.length);
      this.#kept = kept;
    }
    kept.add(bytes, this.index, this.aggregate, this.sub, bytes === UNREADABLE ? this.failure : undefined);
    return bytes;
  }

  /**
   * The current unit's partition key (`bytes`: what `next()` or `keep()` gave; for a failed unit,
   * what can be told of its record).
   */
  keyOf(bytes: Uint8Array): string {
    if (bytes === UNREADABLE) return (this.failure as UnitFailure).record.partitionKey;
    const aggregate = this.aggregate;
    return aggregate === undefined ? this.source.partitionKeyAt(this.index) : aggregate.partitionKey(this.sub);
  }

  /** Makes kept unit `unit` (see `keep()`) the current one; gives its bytes, as `next()` did. */
  seek(unit: number): Uint8Array {
    const kept = this.#kept as KeptUnits;
    const bytes = kept.bytes[unit] as Uint8Array;
    const aggregate = kept.aggregates?.[unit];
    this.index = kept.index === undefined ? unit : (kept.index[unit] as number);
    this.aggregate = aggregate;
    this.sub = aggregate === undefined ? -1 : ((kept.subs as number[])[unit] as number);
    if (bytes === UNREADABLE) this.failure = kept.failures?.get(unit);
    return bytes;
  }

  /**
   * The checkpoint past the last aggregate read without a unit to deliver right after the first
   * `done` units (between unit `done - 1` and unit `done`), if any: consumed whole, it is done as
   * soon as every unit before it is, so a walk whose first `done` units are done checkpoints past it.
   */
  passedAt(done: number): SequenceCheckpoint | undefined {
    return this.#passed?.get(done);
  }

  /**
   * Units not read yet (read now, to count them: for the total of a walk that stopped early). An
   * aggregate counts its user records still to deliver; a corrupt one counts as one.
   */
  countLeft(): number {
    if (this.#kept !== undefined) return 0; // the walk that keeps units reads every one
    let left = this.aggregate === undefined ? 0 : this.aggregate.count - this.sub - 1;
    for (let index = this.index + 1; index < this.source.length; index++) {
      left += unitsOf(this.source, index, this.expand, this.resumeFrom);
    }
    return left;
  }

  /**
   * Opens the aggregate at `index` (`bytes` read): the bytes of its first user record still to
   * deliver, undefined when none is left, or {@link UNREADABLE} when it is corrupt.
   */
  #open(index: number, bytes: Uint8Array): Uint8Array | undefined {
    const source = this.source;
    // Its own bytes (not a scratch buffer): its user records are views into them.
    const outer = source.recordAt(index, this.scratch ? source.bytesAt(index, false) : bytes);
    let aggregate: Aggregate;
    try {
      aggregate = readAggregate(outer);
    } catch (error) {
      this.failure = { record: outer, error, reason: 'aggregate', barrier: true };
      return UNREADABLE;
    }
    const first = firstUserRecord(outer.sequenceNumber, this.resumeFrom);
    if (first >= aggregate.count) {
      this.#passed ??= new Map();
      this.#passed.set(this.read, pastAggregate(outer.sequenceNumber, aggregate.count));
      return undefined;
    }
    this.aggregate = aggregate;
    this.sub = first;
    return aggregate.bytes(first);
  }
}

/**
 * How many units processBatch makes of record `index` of `source`: the user records of a KPL
 * aggregate still to deliver (with `expand`; past those `resumeFrom` says were done), else 1 (a
 * record that cannot be read, a corrupt aggregate). Reads the record.
 */
export function unitsOf(
  source: RecordSource,
  index: number,
  expand: boolean,
  resumeFrom: SequenceCheckpoint | undefined = undefined,
): number {
  if (!expand || !source.mayHoldAggregates) return 1;
  const bytes = source.bytesAt(index, false);
  if (bytes === UNREADABLE || !(bytes instanceof Uint8Array) || !isAggregated(bytes)) return 1;
  return userRecordsLeft(source.recordAt(index, bytes), resumeFrom);
}

/**
 * The units `Units.keep()` read, in order: where `Units.seek` finds each again. No record is built:
 * each is built at its unit's turn, with the codec's value.
 */
export class KeptUnits {
  /** Each unit's bytes ({@link UNREADABLE} for a failed unit). */
  readonly bytes: Uint8Array[];
  /** Units kept. */
  count = 0;
  /**
   * Each unit's record in the source; undefined while unit i is record i (until an aggregate is
   * expanded or passed: most batches).
   */
  index: number[] | undefined;
  /** The aggregate of each unit that is a user record (undefined until there is one). */
  aggregates: (Aggregate | undefined)[] | undefined;
  /** Each user record's index in its aggregate. */
  subs: number[] | undefined;
  /** The failed units by number (undefined when there are none: the common case). */
  failures: Map<number, UnitFailure> | undefined;

  /** @param capacity units expected (as many as records unless aggregates are expanded: the arrays then grow) */
  constructor(capacity = 0) {
    this.bytes = new Array(capacity);
  }

  /** Keeps the next unit: its bytes, and where it comes from when that is not record `unit` of the source. */
  add(
    bytes: Uint8Array,
    index: number,
    aggregate: Aggregate | undefined,
    sub: number,
    failure: UnitFailure | undefined,
  ) {
    const unit = this.count++;
    this.bytes[unit] = bytes;
    // Most units are plain records, unit i the source's record i: nothing more to keep.
    if (index !== unit || this.index !== undefined || aggregate !== undefined || failure !== undefined) {
      this.#place(unit, index, aggregate, sub, failure);
    }
  }

  #place(unit: number, index: number, aggregate: Aggregate | undefined, sub: number, failure: UnitFailure | undefined) {
    if (this.index !== undefined) this.index.push(index);
    else if (index !== unit) {
      this.index = Array.from({ length: unit }, (_, i) => i);
      this.index.push(index);
    }
    if (aggregate !== undefined) {
      this.aggregates ??= [];
      this.subs ??= [];
      this.aggregates[unit] = aggregate;
      this.subs[unit] = sub;
    } else if (failure !== undefined) {
      this.failures ??= new Map();
      this.failures.set(unit, failure);
    }
  }
}

/** A unit held for an asynchronous codec (see {@link Units.hold}). */
class HeldUnit implements UnitRecords {
  constructor(
    readonly source: RecordSource,
    readonly index: number,
    readonly aggregate: Aggregate | undefined,
    readonly sub: number,
  ) {}

  record<D>(data: D): StreamRecord<D> {
    const aggregate = this.aggregate;
    return aggregate === undefined ? this.source.recordAt(this.index, data) : aggregate.record(this.sub, data);
  }

  /** The bytes as they are: an asynchronous codec is never given a scratch buffer (see codec/traits.ts). */
  own(bytes: Uint8Array): Uint8Array {
    return bytes;
  }
}
