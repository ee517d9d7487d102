import type { StreamRecord } from '../record/stream-record.js';
import type { Codec } from './codec.js';

/**
 * Decodes a record's bytes with a codec. Throws DecodeError naming the record (STUB).
 */
export function decodeRecord<T>(
  record: StreamRecord<Uint8Array>,
  codec: Codec<T>,
): StreamRecord<T> | Promise<StreamRecord<T>> {
  const value = codec.decode(record.data, record);
  if (value instanceof Promise) return value.then((data) => ({ ...record, data }));
  return { ...record, data: value };
}
