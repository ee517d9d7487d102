import type { Codec } from './codec.js';

/** The raw bytes, unchanged. Never fails. */
export const bytes: Codec<Uint8Array> = {
  name: 'bytes',
  decode: (data) => data,
};
