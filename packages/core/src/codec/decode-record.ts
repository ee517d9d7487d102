import { DecodeError } from '../errors/record-errors.js';
import type { StreamRecord } from '../record/stream-record.js';
import type { Codec } from './codec.js';

function wrap(record: StreamRecord<Uint8Array>, codec: Codec<unknown>, error: unknown): DecodeError {
  if (error instanceof DecodeError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new DecodeError(record, codec.name, reason, { cause: error });
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value instanceof Promise ||
    (typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function')
  );
}

/**
 * Decodes a record's bytes with a codec: the value, or a Promise of it when the codec returns one.
 *
 * @throws DecodeError naming the record and the codec, with the codec's error as `cause`;
 *   asynchronous codecs reject with it.
 */
export function decodeData<T>(record: StreamRecord<Uint8Array>, codec: Codec<T>): T | Promise<T> {
  let value: T | Promise<T>;
  try {
    value = codec.decode(record.data, record);
  } catch (error) {
    throw wrap(record, codec, error);
  }
  if (isThenable(value)) {
    return Promise.resolve(value).then(undefined, (error: unknown) => {
      throw wrap(record, codec, error);
    });
  }
  return value;
}

/**
 * Decodes a record's bytes with a codec, keeping the rest of the record. Synchronous when the codec
 * is (no Promise is made); a Promise when the codec returns one (async schema validators).
 *
 * @throws DecodeError (code `DECODE_FAILED`) naming the record and the codec, with the codec's error
 *   as `cause`; asynchronous codecs reject with it.
 */
export function decodeRecord<T>(
  record: StreamRecord<Uint8Array>,
  codec: Codec<T>,
): StreamRecord<T> | Promise<StreamRecord<T>> {
  const value = decodeData(record, codec);
  if (value instanceof Promise) return value.then((data: T) => ({ ...record, data }));
  return { ...record, data: value as T };
}
