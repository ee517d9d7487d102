import type { Codec } from './codec.js';
import { json } from './json.js';
import { text } from './text.js';

/**
 * Codecs that are synchronous, keep nothing of the bytes they get and never look at the record:
 * the built-in `json` and `text`, and `withDecodeLimits` over them. processBatch (Walker.transient)
 * may decode Lambda records with them over one scratch buffer and build each record once.
 */
const transient = new WeakSet<object>([json, text]);

/** True when `codec` is one of the {@link transient} codecs. */
export function isTransientCodec(codec: Codec<unknown>): boolean {
  return transient.has(codec);
}

/** Marks `wrapper` as transient when the codec it calls is (it adds nothing but limits). */
export function inheritTransient(wrapper: Codec<unknown>, inner: Codec<unknown>): void {
  if (transient.has(inner)) transient.add(wrapper);
}
