import { Buffer } from 'node:buffer';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Decodes standard base64 (RFC 4648 §4, with padding), refusing anything else: a length that is
 * not a multiple of 4, characters outside the alphabet, whitespace, URL-safe `-`/`_`, or padding
 * anywhere but the end. Returns `undefined` for invalid input (callers build their own error).
 * The result is a plain `Uint8Array` view (no Buffer methods), without a second copy.
 */
export function decodeBase64Strict(text: string): Uint8Array | undefined {
  if (text.length % 4 !== 0 || !BASE64.test(text)) return undefined;
  const buffer = Buffer.from(text, 'base64');
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** Encodes bytes as standard base64 with padding. */
export function encodeBase64(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
}
