import type { Codec, CodecName } from './codec.js';

/** Returns the codec itself, or the built-in codec of that name; `undefined` gives `auto` (STUB). */
export function resolveCodec<T = unknown>(codec?: Codec<T> | CodecName): Codec<T> {
  if (codec !== undefined && typeof codec !== 'string') return codec;
  return { name: codec ?? 'auto', decode: (data) => data as T };
}
