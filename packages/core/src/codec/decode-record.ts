import { DecodeError } from '../errors/record-errors.js';
import type { StreamRecord } from '../record/stream-record.js';
import type { Codec } from './codec.js';
import type { DecodeLimits } from './limits.js';
import { reasonOf } from './reason.js';

/**
 * The DecodeError of a record the codec named `codec` failed on with `error` (any thrown value:
 * its text is made safely); a DecodeError is returned as it is.
 */
export function toDecodeError(record: StreamRecord<Uint8Array>, codec: string, error: unknown): DecodeError {
  if (isDecodeError(error)) return error;
  return new DecodeError(record, codec, reasonOf(error), { cause: error });
}

/** `instanceof DecodeError`, false for a value that cannot be asked (a Proxy whose traps throw). */
function isDecodeError(value: unknown): value is DecodeError {
  try {
    return value instanceof DecodeError;
  } catch {
    return false;
  }
}

/** True for a thenable; reading `then` may throw (a hostile value): callers guard it. */
function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value instanceof Promise ||
    (typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function')
  );
}

/**
 * Decodes a record's bytes with a codec: the value, or a Promise of it when the codec returns one.
 *
 * @param limits - Decode limits for the built-in codecs (default: their defaults).
 * @throws DecodeError naming the record and the codec, with the codec's error (any thrown value)
 *   as `cause`; asynchronous codecs reject with it.
 */
export function decodeData<T>(
  record: StreamRecord<Uint8Array>,
  codec: Codec<T>,
  limits?: DecodeLimits,
): T | Promise<T> {
  let value: T | Promise<T>;
  try {
    value = codec.decode(record.data, record, limits);
    if (isThenable(value)) {
      return Promise.resolve(value).then(undefined, (error: unknown) => {
        throw toDecodeError(record, codec.name, error);
      });
    }
  } catch (error) {
    throw toDecodeError(record, codec.name, error);
  }
  return value;
}

/**
 * Decodes a record's bytes with a codec, keeping the rest of the record. Synchronous when the codec
 * is (no Promise is made); a Promise when the codec returns one (async schema validators).
 *
 * @param limits - Decode limits for the built-in codecs (default: their defaults).
 * @throws DecodeError (code `DECODE_FAILED`) naming the record and the codec, with the codec's error
 *   as `cause`; asynchronous codecs reject with it.
 */
export function decodeRecord<T>(
  record: StreamRecord<Uint8Array>,
  codec: Codec<T>,
  limits?: DecodeLimits,
): StreamRecord<T> | Promise<StreamRecord<T>> {
  const value = decodeData(record, codec, limits);
  if (value instanceof Promise) return value.then((data: T) => ({ ...record, data }));
  return { ...record, data: value as T };
}
