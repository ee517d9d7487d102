import type { Codec } from './codec.js';
import { checkJsonContainers } from './json-containers.js';
import type { DecodeLimits } from './limits.js';
import { reasonOf } from './reason.js';
import { decodeUtf8 } from './utf8.js';

/** Parses JSON text; throws a clear error when it is not JSON. */
export function parseJsonText(source: string, byteLength: number): unknown {
  try {
    return JSON.parse(source);
  } catch (error) {
    throw new Error(`the data is not JSON (${byteLength} bytes): ${reasonOf(error)}`, { cause: error });
  }
}

/**
 * Decodes UTF-8 bytes and parses them as JSON; throws a clear error for either failure, and a
 * `DecodeLimitError` for JSON with more objects and arrays than `limits.maxJsonContainers`.
 */
export function parseJsonBytes(data: Uint8Array, limits?: DecodeLimits): unknown {
  checkJsonContainers(data, limits);
  let source: string;
  try {
    source = decodeUtf8(data);
  } catch (error) {
    throw new Error('the data is not valid UTF-8, so not JSON', { cause: error });
  }
  return parseJsonText(source, data.length);
}

/**
 * UTF-8 JSON, typed `unknown` (validate it with `schema(validator)` for a precise type).
 * Numbers beyond 2^53 lose precision, as with `JSON.parse`. Bounded by `maxJsonContainers`.
 */
// Synchronous, keeps nothing of the bytes, never looks at the record: see codec/traits.ts.
export const json: Codec<unknown> = {
  name: 'json',
  decode: (data, _record, limits) => parseJsonBytes(data, limits),
};
