import { Buffer } from 'node:buffer';

const strict = new TextDecoder('utf-8', { fatal: true });

/**
 * Node's UTF-8 decoder of any Uint8Array (`Buffer.prototype.utf8Slice`), when present. It replaces
 * each invalid sequence with U+FFFD instead of throwing, and keeps a leading BOM.
 */
const utf8Slice = (Buffer.prototype as unknown as { utf8Slice?: unknown }).utf8Slice as
  | ((this: Uint8Array, start: number, end: number) => string)
  | undefined;

const REPLACEMENT = '\uFFFD';
const BOM = 0xfeff;

/**
 * Decodes UTF-8 as a fatal TextDecoder does: throws a TypeError on invalid bytes, drops a leading
 * BOM. The common case goes through Node's lenient decoder, which is cheaper: its output holds no
 * U+FFFD exactly when the bytes were valid UTF-8 without an encoded U+FFFD; otherwise the strict
 * decoder decides (and throws, or returns the same text).
 */
export function decodeUtf8(data: Uint8Array): string {
  if (utf8Slice === undefined) return strict.decode(data);
  const text = utf8Slice.call(data, 0, data.length);
  if (text.indexOf(REPLACEMENT) !== -1) return strict.decode(data);
  return text.charCodeAt(0) === BOM ? text.slice(1) : text;
}

/** Decodes UTF-8, or returns `undefined` when the bytes are not valid UTF-8. */
export function tryDecodeUtf8(data: Uint8Array): string | undefined {
  try {
    return decodeUtf8(data);
  } catch {
    return undefined;
  }
}

const encoder = new TextEncoder();

/** Encodes a string as UTF-8. */
export function encodeUtf8(text: string): Uint8Array {
  return encoder.encode(text);
}
