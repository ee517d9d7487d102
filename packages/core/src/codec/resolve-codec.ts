import { InvalidInputError } from '../errors/record-errors.js';
import { auto } from './auto.js';
import { bytes } from './bytes.js';
import { cloudWatchLogs } from './cloudwatch-logs.js';
import type { Codec, CodecName, NamedCodecOutputs } from './codec.js';
import { gzip } from './gzip.js';
import { json } from './json.js';
import { text } from './text.js';

/** Typed by name, so that {@link NamedCodecOutputs} cannot drift from the codecs. */
const builtIn: { readonly [N in CodecName]: Codec<NamedCodecOutputs[N]> } = {
  auto,
  bytes,
  text,
  json,
  gzip,
  'cloudwatch-logs': cloudWatchLogs,
};

/** The names `resolveCodec` accepts. */
export const CODEC_NAMES: readonly CodecName[] = Object.keys(builtIn) as CodecName[];

/**
 * Returns the codec itself, or the built-in codec of that name; `undefined` gives `auto`.
 *
 * @throws InvalidInputError (code `UNKNOWN_CODEC`) for an unknown name, listing the valid ones,
 *   or for a value that is neither a name nor a codec.
 */
export function resolveCodec<T = unknown>(codec?: Codec<T> | CodecName): Codec<T> {
  if (codec === undefined) return auto as Codec<T>;
  if (typeof codec === 'string') {
    if (Object.hasOwn(builtIn, codec)) return builtIn[codec] as Codec<T>;
    throw new InvalidInputError(
      'UNKNOWN_CODEC',
      `unknown codec ${JSON.stringify(codec)}: expected one of ${CODEC_NAMES.join(', ')}, or a Codec object`,
    );
  }
  if (typeof codec === 'object' && codec !== null && typeof codec.decode === 'function') return codec;
  throw new InvalidInputError(
    'UNKNOWN_CODEC',
    `a codec should be one of ${CODEC_NAMES.join(', ')} or an object with a decode function, got ${codec === null ? 'null' : typeof codec}`,
  );
}
