import { isThenable } from '../batch/thenable.js';
import type { Codec } from '../codec/codec.js';
import { toDecodeError } from '../codec/decode-record.js';
import type { DecodeLimits } from '../codec/limits.js';
import { isRecordBlind, isTransientCodec } from '../codec/traits.js';
import type { UnitRecords, Units } from '../expand/units.js';
import type { StreamRecord } from '../record/stream-record.js';
import { UNREADABLE } from '../source/record-source.js';
import { UNREAD_RECORD } from '../speed/unread-record.js';

/** A unit that has no decoded record: why, and the record as far as it can be told. */
export class Undecodable {
  constructor(
    readonly record: StreamRecord<Uint8Array>,
    readonly error: unknown,
    readonly reason: 'decode' | 'aggregate',
  ) {}
}

/** What decoding a unit gives: its record holding the codec's value, or why there is none. */
export type Decoded<T> = StreamRecord<T> | Undecodable;

/** How a batch decodes: its codec and limits, and what the codec allows (see codec/traits.ts). */
export class DecodePlan<T> {
  /** The codec never looks at its record argument: records are built once, after decoding. */
  readonly recordBlind: boolean;
  /** The codec is synchronous and keeps nothing of the bytes: they may live in a scratch buffer. */
  readonly transient: boolean;

  constructor(
    readonly codec: Codec<T>,
    readonly limits: DecodeLimits | undefined,
  ) {
    this.recordBlind = isRecordBlind(codec as Codec<unknown>);
    this.transient = isTransientCodec(codec as Codec<unknown>);
  }
}

/**
 * The decode stage for the current unit of `units` (`bytes`, what `next()` or `seek()` gave): the
 * unit's record, built once, holding the codec's value; or, for a unit that failed to be read, a
 * codec that threw or rejected, an {@link Undecodable} naming the record (a `DecodeError` whose
 * cause is the codec's error). A Promise only when the codec returns one (the unit is held for it:
 * the walk may move on).
 */
export function decodeUnit<T>(plan: DecodePlan<T>, units: Units, bytes: Uint8Array): Decoded<T> | Promise<Decoded<T>> {
  if (bytes === UNREADABLE) return unreadable(units);
  // A codec that looks at the record gets it with its bytes; a record-blind one gets a placeholder.
  const raw = plan.recordBlind ? UNREAD_RECORD : units.record(bytes);
  let value: T | PromiseLike<T>;
  try {
    value = plan.codec.decode(bytes, raw, plan.limits);
    if (isThenable<T>(value)) return decodeLater(plan, units.hold(), bytes, value);
  } catch (error) {
    return undecodable(plan, units, bytes, error);
  }
  return units.record(value);
}

// The rare paths below are functions of their own: decodeUnit stays small enough for V8 to inline
// it into each walk's loop.

/** A unit that failed to be read (see `Units.failure`): why, and its record as far as it can be told. */
function unreadable(units: Units): Undecodable {
  const failure = units.failure as NonNullable<Units['failure']>;
  return new Undecodable(failure.record, failure.error, failure.reason);
}

/** The record of a unit whose codec answers later (`value`), or an Undecodable when it rejects. */
function decodeLater<T>(
  plan: DecodePlan<T>,
  unit: UnitRecords,
  bytes: Uint8Array,
  value: PromiseLike<T>,
): Promise<Decoded<T>> {
  return Promise.resolve(value).then(
    (data): Decoded<T> => unit.record(data),
    (error: unknown) => undecodable(plan, unit, bytes, error),
  );
}

/** A unit the codec failed on: its record with its own bytes (not a scratch buffer's) and the DecodeError. */
function undecodable<T>(plan: DecodePlan<T>, unit: UnitRecords, bytes: Uint8Array, error: unknown): Undecodable {
  const record = unit.record(unit.own(bytes));
  return new Undecodable(record, toDecodeError(record, plan.codec.name, error), 'decode');
}
