import type { Codec } from './codec.js';
import { decompress, detectCompression } from './compression.js';
import { checkJsonContainers } from './json-containers.js';
import { DecodeLimitError, type DecodeLimits } from './limits.js';
import { tryDecodeUtf8 } from './utf8.js';

/** Could `text` be JSON? Its first non-blank character must start a JSON value. */
function mayBeJson(source: string): boolean {
  for (let i = 0; i < source.length; i++) {
    const c = source.charCodeAt(i);
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
    // { [ " - 0-9 t f n
    return (
      c === 0x7b ||
      c === 0x5b ||
      c === 0x22 ||
      c === 0x2d ||
      (c >= 0x30 && c <= 0x39) ||
      c === 0x74 ||
      c === 0x66 ||
      c === 0x6e
    );
  }
  return false;
}

/**
 * Decodes unpacked bytes: JSON if they parse, else text if valid UTF-8, else the bytes. JSON with
 * more objects and arrays than the limit is an error (never silently taken as text).
 */
function sniff(data: Uint8Array, limits: DecodeLimits | undefined): unknown {
  const source = tryDecodeUtf8(data);
  if (source === undefined) return data;
  if (mayBeJson(source)) {
    checkJsonContainers(data, limits);
    try {
      return JSON.parse(source);
    } catch {
      // not JSON: it is text
    }
  }
  return source;
}

/**
 * The default codec, for when no codec is named. It never fails on plain data:
 * 1. gzip data (magic `1F 8B`) is unpacked (a corrupt gzip is an error); data with a zlib header is
 *    unpacked when it inflates, else taken as is (a zlib header can be ordinary text);
 * 2. then the value is the JSON it parses as, else the text if it is valid UTF-8, else the bytes.
 *
 * The decode limits apply: data that inflates past `maxOutputLength` (gzip or zlib), or JSON with
 * more than `maxJsonContainers` objects and arrays, is an error.
 *
 * So the AWS console's test event ("Hello, this is a test.") gives a string and JSON producers give
 * objects. Typed `unknown`: name a codec (or a schema) when you know the format.
 */
export const auto: Codec<unknown> = {
  name: 'auto',
  decode(data, _record, limits) {
    const kind = detectCompression(data);
    if (kind === 'gzip') return sniff(decompress(data, kind, limits), limits);
    if (kind === 'zlib') {
      let unpacked: Uint8Array | undefined;
      try {
        unpacked = decompress(data, kind, limits);
      } catch (error) {
        // Too large is an error: the data is zlib (it inflated that far), not text.
        if (error instanceof DecodeLimitError) throw error;
        unpacked = undefined;
      }
      if (unpacked !== undefined) return sniff(unpacked, limits);
    }
    return sniff(data, limits);
  },
};
