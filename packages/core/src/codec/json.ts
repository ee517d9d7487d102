import type { Codec } from './codec.js';
import { decodeUtf8 } from './utf8.js';

/** Decodes UTF-8 bytes and parses them as JSON; throws a clear error for either failure. */
export function parseJsonBytes(data: Uint8Array): unknown {
  let source: string;
  try {
    source = decodeUtf8(data);
  } catch (error) {
    throw new Error('the data is not valid UTF-8, so not JSON', { cause: error });
  }
  try {
    return JSON.parse(source);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(`the data is not JSON (${data.length} bytes): ${why}`, { cause: error });
  }
}

/**
 * UTF-8 JSON, typed `unknown` (validate it with `schema(validator)` for a precise type).
 * Numbers beyond 2^53 lose precision, as with `JSON.parse`.
 */
// Synchronous, keeps nothing of the bytes, never looks at the record: processBatch relies on it
// (Walker.transient) to decode Lambda records over one scratch buffer.
export const json: Codec<unknown> = {
  name: 'json',
  decode: parseJsonBytes,
};
