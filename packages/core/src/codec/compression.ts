import { gunzipSync, inflateSync } from 'node:zlib';
import { DecodeLimitError, type DecodeLimits, maxOutputLengthOf } from './limits.js';

export { DEFAULT_MAX_OUTPUT_LENGTH } from './limits.js';

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

/** Options of the decompressing codecs: the inflate cap of {@link DecodeLimits}. */
export type DecompressOptions = Pick<DecodeLimits, 'maxOutputLength'>;

function view(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** True for the error zlib throws when the output passes `maxOutputLength`. */
function isOverCap(error: unknown): boolean {
  return error instanceof RangeError && (error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE';
}

/**
 * Unpacks gzip or zlib data, inflating at most `limits.maxOutputLength` bytes (default 16 MiB):
 * zlib stops there, so a decompression bomb costs no more than the cap in time and memory.
 *
 * @throws DecodeLimitError when the output would pass the cap; an Error when the data is neither
 *   gzip nor zlib, or is corrupt or truncated.
 */
export function decompress(data: Uint8Array, kind: Compression, limits?: DecodeLimits): Uint8Array {
  if (kind === 'none') {
    const head = Array.from(data.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new Error(`not gzip or zlib data (first bytes: ${head || 'none, the data is empty'})`);
  }
  const maxOutputLength = maxOutputLengthOf(limits);
  try {
    return view(kind === 'gzip' ? gunzipSync(data, { maxOutputLength }) : inflateSync(data, { maxOutputLength }));
  } catch (error) {
    if (!isOverCap(error)) throw error;
    throw new DecodeLimitError(
      'maxOutputLength',
      maxOutputLength,
      `the ${kind} data (${data.length} bytes) inflates to more than ${maxOutputLength} bytes`,
    );
  }
}
