import { Buffer } from 'node:buffer';

/**
 * Decodes standard base64 (RFC 4648 §4, with padding), refusing anything else: a length that is
 * not a multiple of 4, characters outside the alphabet, whitespace, URL-safe `-`/`_`, padding
 * anywhere but the end, or non-zero trailing bits. Returns `undefined` for invalid input (callers
 * build their own error). The result is a plain `Uint8Array` view (no Buffer methods), not copied.
 *
 * Validity is checked by re-encoding and comparing: Node's decoder is lenient but fast, and this
 * costs far less than a regular expression or a loop over a megabyte of text.
 */
export function decodeBase64Strict(text: string): Uint8Array | undefined {
  if (text.length % 4 !== 0) return undefined;
  const buffer = Buffer.from(text, 'base64');
  if (buffer.toString('base64') !== text) return undefined;
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** Encodes bytes as standard base64 with padding. */
export function encodeBase64(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
}
