import { DEFAULT_MAX_JSON_CONTAINERS, DecodeLimitError, type DecodeLimits } from './limits.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;

/**
 * Counts the JSON objects and arrays in UTF-8 `bytes` (each `{` and `[` outside strings), stopping
 * as soon as the count passes `limit`: at most `limit + 1` is returned. Works on the bytes (no
 * text is made): in UTF-8 the bytes of a multi-byte character are never ASCII, so `"`, `\`, `{`
 * and `[` are found as they are. Does not check that the JSON is valid.
 */
export function countJsonContainers(bytes: Uint8Array, limit: number): number {
  let count = 0;
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i++]!;
    if (b === QUOTE) {
      // Skip the string: to its closing quote, stepping over escapes.
      while (i < n) {
        const c = bytes[i++]!;
        if (c === QUOTE) break;
        if (c === BACKSLASH) i++;
      }
    } else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
      if (++count > limit) return count;
    }
  }
  return count;
}

/**
 * Throws a {@link DecodeLimitError} when the JSON in `bytes` holds more objects and arrays than
 * `limits.maxJsonContainers`. Free for a text no longer than the limit (it cannot hold more): only
 * large texts are scanned, once, before `JSON.parse`, which costs far more per byte.
 */
export function checkJsonContainers(bytes: Uint8Array, limits: DecodeLimits | undefined): void {
  const max = limits?.maxJsonContainers ?? DEFAULT_MAX_JSON_CONTAINERS;
  if (bytes.length <= max) return;
  if (countJsonContainers(bytes, max) > max) {
    throw new DecodeLimitError(
      'maxJsonContainers',
      max,
      `the JSON holds more than ${max} objects and arrays (${bytes.length} bytes)`,
    );
  }
}
