const strict = new TextDecoder('utf-8', { fatal: true });

/** Decodes UTF-8, throwing a TypeError on invalid bytes (a leading BOM is dropped). */
export function decodeUtf8(data: Uint8Array): string {
  return strict.decode(data);
}

/** Decodes UTF-8, or returns `undefined` when the bytes are not valid UTF-8. */
export function tryDecodeUtf8(data: Uint8Array): string | undefined {
  try {
    return strict.decode(data);
  } catch {
    return undefined;
  }
}

const encoder = new TextEncoder();

/** Encodes a string as UTF-8. */
export function encodeUtf8(text: string): Uint8Array {
  return encoder.encode(text);
}
