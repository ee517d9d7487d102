import { bytes } from './bytes.js';
import type { Codec } from './codec.js';
import { decompress, detectCompression } from './compression.js';
import { json } from './json.js';
import { checkDecodeLimits, type DecodeLimits, limitsMerger } from './limits.js';
import { text } from './text.js';
import { inheritRecordBlind } from './traits.js';

/**
 * Wraps a codec so that it first unpacks gzip or zlib data (told apart by their magic bytes), then
 * decodes the result with `inner`. Data that is neither, or corrupt or truncated, is an error, and
 * so is data that inflates past `maxOutputLength` (default 16 MiB).
 *
 * ```ts
 * gunzip(json)            // the same as `gzip`
 * gunzip(text)            // the same as `gzipText`
 * gunzip(schema(Order))   // unpack, parse JSON, validate
 * gunzip(json, { maxOutputLength: 64 * 2 ** 20 })   // records that inflate to up to 64 MiB
 * ```
 *
 * @param limits - Decode limits of this codec (and of `inner`), over those processBatch gives.
 * @throws TypeError / RangeError (at once) for limits out of range.
 */
export function gunzip<T>(inner: Codec<T>, limits: DecodeLimits = {}): Codec<T> {
  const own = checkDecodeLimits(limits, 'gunzip(codec, limits): limits') ?? {};
  const name = inner === json ? 'gzip' : `gzip+${inner.name}`;
  const limitsFor = limitsMerger(own);
  const codec: Codec<T> = {
    name,
    decode(data, record, given) {
      const effective = limitsFor(given);
      const unpacked = decompress(data, detectCompression(data), effective);
      return inner.decode(unpacked, record, effective);
    },
  };
  inheritRecordBlind(codec as Codec<unknown>, inner as Codec<unknown>);
  return codec;
}

/** gzip or zlib, then JSON (typed `unknown`). The codec named `gzip`. */
export const gzip: Codec<unknown> = gunzip(json);

/** gzip or zlib, then the unpacked bytes. */
export const gzipBytes: Codec<Uint8Array> = gunzip(bytes);

/** gzip or zlib, then UTF-8 text. */
export const gzipText: Codec<string> = gunzip(text);
