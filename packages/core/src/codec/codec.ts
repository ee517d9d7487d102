import type { StreamRecord } from '../record/stream-record.js';

/**
 * Turns a record's bytes into a value. `decode` throws (any error) when the bytes are not what the
 * codec expects; `decodeRecord` wraps that into a `DecodeError` naming the record.
 * It may return a Promise (async schema validators).
 */
export interface Codec<T> {
  /** Short name used in errors and logs: `json`, `gzip`, `schema`, ... */
  readonly name: string;
  decode(data: Uint8Array, record: StreamRecord<Uint8Array>): T | Promise<T>;
}

/** Names accepted wherever a codec can be named by string (CLI flags, adapter options). */
export type CodecName = 'auto' | 'bytes' | 'text' | 'json' | 'gzip' | 'cloudwatch-logs';

/** The value type a codec produces. */
export type CodecOutput<C> = C extends Codec<infer T> ? T : never;
