import type { Codec } from './codec.js';
import { decodeUtf8 } from './utf8.js';

/** UTF-8 text. Bytes that are not valid UTF-8 are an error (no replacement characters). */
// Synchronous, keeps nothing of the bytes, never looks at the record: see codec/traits.ts.
export const text: Codec<string> = {
  name: 'text',
  decode: (data) => {
    try {
      return decodeUtf8(data);
    } catch (error) {
      throw new Error('the data is not valid UTF-8', { cause: error });
    }
  },
};
