import { Buffer } from 'node:buffer';

const EQUALS = 0x3d;

/** A string holding a UTF-16 code unit above 0xFF. On a one-byte string V8 answers without scanning. */
const WIDE_CHARACTER = /[^\0-\xff]/;

/**
 * 6-bit value + 1 of each base64 character by char code (0 for characters outside the alphabet),
 * for the trailing-bits check.
 */
const SEXTET = (() => {
  const table = new Uint8Array(128);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let i = 0; i < alphabet.length; i++) table[alphabet.charCodeAt(i)] = i + 1;
  return table;
})();

/** Node's base64 decoder writing into any Uint8Array (`Buffer.prototype.base64Write`), when present. */
const base64Write = (Buffer.prototype as unknown as { base64Write?: unknown }).base64Write as
  | ((this: Uint8Array, text: string, offset: number, length: number) => number)
  | undefined;

/** Decoded data up to this size shares a pool (as Node's Buffer does); larger data gets its own memory. */
const POOL_SIZE = 16 * 1024;
const POOLED_MAX = POOL_SIZE >>> 2;
let pool = new ArrayBuffer(POOL_SIZE);
let poolOffset = 0;

/** A fresh, zeroed, plain Uint8Array of `length` bytes, cut from the pool when small. */
function allocate(length: number): Uint8Array {
  if (length > POOLED_MAX) return new Uint8Array(length);
  if (length > POOL_SIZE - poolOffset) {
    pool = new ArrayBuffer(POOL_SIZE);
    poolOffset = 0;
  }
  const view = new Uint8Array(pool, poolOffset, length);
  poolOffset += (length + 7) & ~7;
  return view;
}

/**
 * Decodes standard base64 (RFC 4648 §4, with padding), refusing anything else: a length that is
 * not a multiple of 4, characters outside the alphabet, whitespace, URL-safe `-`/`_`, padding
 * anywhere but the end, or non-zero trailing bits. Returns `undefined` for invalid input (callers
 * build their own error). The result is a plain `Uint8Array` (no Buffer methods); small results
 * share a 16 KiB pool, as Node's Buffers share theirs.
 *
 * Validity is checked without a pass over the text in JavaScript. Node's decoder skips characters
 * outside its alphabet (standard and URL-safe) and stops at the first `=`, so once the text is a
 * multiple of 4 long, holds no `-`, `_` nor code unit above 0xFF (Node keeps only the low byte of
 * those, which could turn them into letters), every invalid character makes the output shorter
 * than `length / 4 * 3 - padding`; the canonical form then only needs zero trailing bits.
 * (Equivalent to re-encoding and comparing, at a fraction of the cost: see the property test.)
 */
export function decodeBase64Strict(text: string): Uint8Array | undefined {
  return decode(text, false);
}

/** Transient results up to this size are written over one scratch buffer; larger ones get their own. */
const SCRATCH_MAX = 1024 * 1024;
let scratch = new ArrayBuffer(64 * 1024);

/**
 * {@link decodeBase64Strict} into a scratch buffer that every call shares: the bytes are only
 * valid until the next call. For callers that are done with them before any other code runs
 * (decode, parse, drop: no await in between); copy them (`slice()`) to keep them. Saves the
 * allocation and zeroing of fresh memory for each record and keeps the bytes in cache.
 */
export function decodeBase64Transient(text: string): Uint8Array | undefined {
  return decode(text, true);
}

function target(length: number, transient: boolean): Uint8Array {
  if (!transient || length > SCRATCH_MAX) return allocate(length);
  if (length > scratch.byteLength) {
    let size = scratch.byteLength;
    while (size < length) size *= 2;
    scratch = new ArrayBuffer(size);
  }
  return new Uint8Array(scratch, 0, length);
}

function decode(text: string, transient: boolean): Uint8Array | undefined {
  const length = text.length;
  if (length % 4 !== 0) return undefined;
  if (length === 0) return new Uint8Array(0);
  if (text.indexOf('-') !== -1 || text.indexOf('_') !== -1 || WIDE_CHARACTER.test(text)) return undefined;
  const padding = text.charCodeAt(length - 1) !== EQUALS ? 0 : text.charCodeAt(length - 2) !== EQUALS ? 1 : 2;
  const expected = (length >>> 2) * 3 - padding;
  let bytes: Uint8Array;
  if (base64Write !== undefined) {
    bytes = target(expected, transient);
    if (base64Write.call(bytes, text, 0, expected) !== expected) return undefined;
  } else {
    const buffer = Buffer.from(text, 'base64');
    if (buffer.length !== expected) return undefined;
    bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  }
  if (padding !== 0) {
    // The last character before the padding carries 2 (padding 2) or 4 (padding 1) bits that must be zero.
    const last = (SEXTET[text.charCodeAt(length - 1 - padding)] as number) - 1;
    if ((last & (padding === 2 ? 0x0f : 0x03)) !== 0) return undefined;
  }
  return bytes;
}

/** Encodes bytes as standard base64 with padding. */
export function encodeBase64(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
}
