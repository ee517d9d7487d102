import type { Codec, CodecName, NamedCodecOutputs } from './codec.js';
import { checkDecodeLimits, type DecodeLimits, limitsMerger } from './limits.js';
import { resolveCodec } from './resolve-codec.js';
import { inheritTraits } from './traits.js';

/**
 * A codec (or the built-in codec of that name) with its own decode limits: the fields set here win
 * over those processBatch's `decodeLimits` gives, the others come from there (or the defaults).
 * For transports whose options take a codec but no limits:
 *
 * ```ts
 * kinesisHandler(handler, { codec: withDecodeLimits('cloudwatch-logs', { maxOutputLength: 64 * 2 ** 20 }) });
 * ```
 *
 * The limits reach the built-in codecs inside it (`schema(v, { from: gzip })` included); a codec
 * of your own gets them as the third argument of `decode` and should pass them on.
 *
 * @throws InvalidInputError `UNKNOWN_CODEC` for an unknown name; TypeError / RangeError (naming the
 *   field) for limits that are not an object or out of range.
 */
export function withDecodeLimits<N extends CodecName>(codec: N, limits: DecodeLimits): Codec<NamedCodecOutputs[N]>;
export function withDecodeLimits<T>(codec: Codec<T>, limits: DecodeLimits): Codec<T>;
export function withDecodeLimits<T>(codec: Codec<T> | CodecName, limits: DecodeLimits): Codec<T> {
  const inner = resolveCodec<T>(codec);
  const where = 'withDecodeLimits(codec, limits): limits';
  if (limits === undefined)
    throw new TypeError(`${where} must be an object such as { maxOutputLength, maxJsonContainers }`);
  const own = checkDecodeLimits(limits, where) as DecodeLimits;
  const limitsFor = limitsMerger(own);
  const wrapper: Codec<T> = {
    name: inner.name,
    decode: (data, record, given) => inner.decode(data, record, limitsFor(given)),
  };
  inheritTraits(wrapper as Codec<unknown>, inner as Codec<unknown>);
  return wrapper;
}
