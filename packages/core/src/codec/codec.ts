import type { StreamRecord } from '../record/stream-record.js';
import type { CloudWatchLogsData } from './cloudwatch-logs.js';
import type { DecodeLimits } from './limits.js';

/**
 * Turns a record's bytes into a value. `decode` throws (any error) when the bytes are not what the
 * codec expects; `decodeRecord` wraps that into a `DecodeError` naming the record.
 * It may return a Promise (async schema validators).
 */
export interface Codec<T> {
  /** Short name used in errors and logs: `json`, `gzip`, `schema`, ... */
  readonly name: string;
  /**
   * @param limits - The decode limits in force (processBatch's `decodeLimits`), `undefined` for
   *   the defaults. Built-in codecs honour them and hand them to the codecs they wrap; a codec of
   *   your own that calls another should pass them on.
   */
  decode(data: Uint8Array, record: StreamRecord<Uint8Array>, limits?: DecodeLimits): T | Promise<T>;
}

/** Names accepted wherever a codec can be named by string (CLI flags, adapter options). */
export type CodecName = 'auto' | 'bytes' | 'text' | 'json' | 'gzip' | 'cloudwatch-logs';

/**
 * What each built-in codec produces, by the name `resolveCodec` knows it by (`unknown` where the
 * value is whatever the payload holds: parsed JSON, or for `auto` JSON, text or bytes).
 */
export interface NamedCodecOutputs extends Readonly<Record<CodecName, unknown>> {
  readonly auto: unknown;
  readonly bytes: Uint8Array;
  readonly text: string;
  readonly json: unknown;
  readonly gzip: unknown;
  readonly 'cloudwatch-logs': CloudWatchLogsData;
}

/**
 * The value type a codec produces: `T` for a `Codec<T>`, and for a name what that built-in codec
 * produces (`CodecOutput<'text'>` is `string`). Distributes over a union.
 */
export type CodecOutput<C> = C extends CodecName ? NamedCodecOutputs[C] : C extends Codec<infer T> ? T : never;

/**
 * The data type of the records a handler gets when its options take a codec: `T` when something
 * says what it is (a type argument, a `Codec<T>` such as `schema(...)`, the record type of an
 * annotated handler); otherwise what the codec named `N` produces (`string` for `'text'`), which is
 * `unknown` for `'auto'` (the default), `'json'` and `'gzip'`. An explicit `any` stays `any`.
 *
 * @typeParam T - The data type asked for (`unknown` when nothing says more).
 * @typeParam N - The codec name given.
 */
export type RecordDataFor<T, N extends CodecName> = 0 extends 1 & T ? T : unknown extends T ? CodecOutput<N> : T;

/**
 * The codec names that can give records of data type `T`: every name when `T` is `unknown`, else
 * those whose output and `T` overlap one way or the other (`'json'` for any `T`, the JSON being
 * taken for a `T`; `'text'` only for a string type; `'bytes'` only for a Uint8Array).
 */
export type CodecNameFor<T> = unknown extends T
  ? CodecName
  : {
      [N in CodecName]: [NamedCodecOutputs[N]] extends [T] ? N : [T] extends [NamedCodecOutputs[N]] ? N : never;
    }[CodecName];
