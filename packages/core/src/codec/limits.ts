import { constants } from 'node:buffer';
import { StreamshareError } from '../errors/streamshare-error.js';

/**
 * Bounds on what decoding one record may cost, in memory and time. Every built-in codec that
 * inflates (`gzip`, `gunzip(...)`, `cloudwatch-logs`, `auto`) or parses JSON (`json`, `gzip`,
 * `cloudwatch-logs`, `auto`, `schema(...)` over them) honours them; a record over a limit fails as
 * that record with a `DecodeError` whose `cause` is a {@link DecodeLimitError}.
 *
 * Set them with processBatch's `decodeLimits` option (for whatever codec it uses, composed ones
 * included), or on a codec with {@link withDecodeLimits} / `gunzip(inner, limits)`, which then win
 * over the batch's for the fields they set.
 */
export interface DecodeLimits {
  /**
   * Largest size of a record's data once inflated (gzip or zlib), in bytes. Default 16 MiB
   * ({@link DEFAULT_MAX_OUTPUT_LENGTH}). `Infinity` means Node's largest Buffer.
   */
  readonly maxOutputLength?: number;
  /**
   * Most JSON objects and arrays (`{` and `[` outside strings) one record's JSON may hold; counted
   * before `JSON.parse`, only when the text is longer than the limit (a shorter text cannot hold
   * more). Default 1,000,000 ({@link DEFAULT_MAX_JSON_CONTAINERS}). `Infinity` turns the count off.
   */
  readonly maxJsonContainers?: number;
}

/** Default of {@link DecodeLimits.maxOutputLength}: 16 MiB, above the 10 MiB of Kinesis' largest records. */
export const DEFAULT_MAX_OUTPUT_LENGTH = 16 * 1024 * 1024;

/** Default of {@link DecodeLimits.maxJsonContainers}: one million objects and arrays (about 64 MB of heap). */
export const DEFAULT_MAX_JSON_CONTAINERS = 1_000_000;

/** The limits, by name. */
export type DecodeLimitName = keyof DecodeLimits;

const HOW_TO_RAISE =
  'raise it with the decodeLimits option (processBatch, and the transports that take it) or withDecodeLimits(codec, { LIMIT })';

/** A record's data is over one of the {@link DecodeLimits}: the `cause` of its `DecodeError`. */
export class DecodeLimitError extends StreamshareError {
  /** The limit that was passed. */
  readonly limit: DecodeLimitName;
  /** Its value for this record. */
  readonly value: number;

  constructor(limit: DecodeLimitName, value: number, what: string) {
    super(
      'DECODE_LIMIT_EXCEEDED',
      `${what} (decode limit ${limit} is ${value}); ${HOW_TO_RAISE.replace('LIMIT', `${limit}: ...`)}`,
    );
    this.limit = limit;
    this.value = value;
  }
}

function checkLimit(where: string, name: DecodeLimitName, value: unknown, min: number, max: number): void {
  if (value === undefined || value === Number.POSITIVE_INFINITY) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const shown = typeof value === 'number' ? String(value) : typeof value;
    throw new RangeError(`${where}.${name} must be an integer from ${min} to ${max}, or Infinity; got ${shown}`);
  }
}

/**
 * Checks decode limits given as an option, naming the option at fault (`where`, e.g.
 * `processBatch: decodeLimits`). Returns a frozen copy of them (undefined stays undefined).
 *
 * @throws TypeError when `limits` is not an object; RangeError for a value out of range.
 */
export function checkDecodeLimits(limits: DecodeLimits | undefined, where: string): DecodeLimits | undefined {
  if (limits === undefined) return undefined;
  if (typeof limits !== 'object' || limits === null) {
    throw new TypeError(`${where} must be an object such as { maxOutputLength, maxJsonContainers }`);
  }
  const copy: DecodeLimits = {
    maxOutputLength: limits.maxOutputLength,
    maxJsonContainers: limits.maxJsonContainers,
  };
  checkLimit(where, 'maxOutputLength', copy.maxOutputLength, 1, constants.MAX_LENGTH);
  checkLimit(where, 'maxJsonContainers', copy.maxJsonContainers, 0, Number.MAX_SAFE_INTEGER);
  return Object.freeze(copy);
}

/** The inflate cap in effect: a number zlib accepts. */
export function maxOutputLengthOf(limits: DecodeLimits | undefined): number {
  const value = limits?.maxOutputLength ?? DEFAULT_MAX_OUTPUT_LENGTH;
  return value === Number.POSITIVE_INFINITY ? constants.MAX_LENGTH : value;
}

/** The limits `own` (fields set there win) makes of `outer` (from processBatch or an enclosing codec). */
function mergeDecodeLimits(outer: DecodeLimits, own: DecodeLimits): DecodeLimits {
  return {
    maxOutputLength: own.maxOutputLength ?? outer.maxOutputLength,
    maxJsonContainers: own.maxJsonContainers ?? outer.maxJsonContainers,
  };
}

/** True when `limits` sets no field (a codec with such limits adds nothing to those it is given). */
function setsNoLimit(limits: DecodeLimits): boolean {
  return limits.maxOutputLength === undefined && limits.maxJsonContainers === undefined;
}

/**
 * A merge of a codec's own limits (checked) over those it is given: `outer` itself when `own` sets
 * nothing, `own` when there is no `outer`. It remembers the last result: a batch passes the same
 * `outer` object for every record, so this allocates once per batch.
 */
export function limitsMerger(own: DecodeLimits): (outer: DecodeLimits | undefined) => DecodeLimits | undefined {
  if (setsNoLimit(own)) return (outer) => outer;
  let lastOuter: DecodeLimits | undefined;
  let lastMerged: DecodeLimits = own;
  return (outer) => {
    if (outer === undefined) return own;
    if (outer !== lastOuter) {
      lastOuter = outer;
      lastMerged = mergeDecodeLimits(outer, own);
    }
    return lastMerged;
  };
}
