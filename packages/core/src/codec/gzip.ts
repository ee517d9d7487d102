import { bytes } from './bytes.js';
import type { Codec } from './codec.js';
import { type DecompressOptions, decompress, detectCompression } from './compression.js';
import { json } from './json.js';
import { text } from './text.js';

/**
 * Wraps a codec so that it first unpacks gzip or zlib data (told apart by their magic bytes), then
 * decodes the result with `inner`. Data that is neither, or corrupt or truncated, is an error.
 *
 * ```ts
 * gunzip(json)            // the same as `gzip`
 * gunzip(text)            // the same as `gzipText`
 * gunzip(schema(Order))   // unpack, parse JSON, validate
 * ```
 */
export function gunzip<T>(inner: Codec<T>, options: DecompressOptions = {}): Codec<T> {
  const name = inner === json ? 'gzip' : `gzip+${inner.name}`;
  return {
    name,
    decode(data, record) {
      const unpacked = decompress(data, detectCompression(data), options);
      return inner.decode(unpacked, record);
    },
  };
}

/** gzip or zlib, then JSON (typed `unknown`). The codec named `gzip`. */
export const gzip: Codec<unknown> = gunzip(json);

/** gzip or zlib, then the unpacked bytes. */
export const gzipBytes: Codec<Uint8Array> = gunzip(bytes);

/** gzip or zlib, then UTF-8 text. */
export const gzipText: Codec<string> = gunzip(text);
