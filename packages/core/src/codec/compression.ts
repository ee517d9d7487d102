import { gunzipSync, inflateSync } from 'node:zlib';

/** How a payload is compressed, judging by its first bytes. */
export type Compression = 'gzip' | 'zlib' | 'none';

/**
 * Detects gzip (`1F 8B`) or a zlib stream header (CMF `78`, FCHECK valid, no preset dictionary).
 */
export function detectCompression(data: Uint8Array): Compression {
  if (data.length < 2) return 'none';
  const b0 = data[0]!;
  const b1 = data[1]!;
  if (b0 === 0x1f && b1 === 0x8b) return 'gzip';
  if (b0 === 0x78 && (b0 * 256 + b1) % 31 === 0 && (b1 & 0x20) === 0) return 'zlib';
  return 'none';
}

/** Options of the decompressing codecs. */
export interface DecompressOptions {
  /**
   * Largest decompressed size accepted, in bytes (default 64 MiB): a guard against
   * decompression bombs. Larger output is an error.
   */
  readonly maxOutputLength?: number;
}

export const DEFAULT_MAX_OUTPUT_LENGTH = 64 * 1024 * 1024;

function view(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/**
 * Unpacks gzip or zlib data. Throws when the data is neither, or is corrupt or truncated.
 */
export function decompress(data: Uint8Array, kind: Compression, options: DecompressOptions = {}): Uint8Array {
  const maxOutputLength = options.maxOutputLength ?? DEFAULT_MAX_OUTPUT_LENGTH;
  if (kind === 'gzip') return view(gunzipSync(data, { maxOutputLength }));
  if (kind === 'zlib') return view(inflateSync(data, { maxOutputLength }));
  const head = Array.from(data.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
  throw new Error(`not gzip or zlib data (first bytes: ${head || 'none, the data is empty'})`);
}
