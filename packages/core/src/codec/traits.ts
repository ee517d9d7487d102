import { auto } from './auto.js';
import { bytes } from './bytes.js';
import { cloudWatchLogs } from './cloudwatch-logs.js';
import type { Codec } from './codec.js';
import { json } from './json.js';
import { text } from './text.js';

/**
 * Codecs that never look at their `record` argument (only at the bytes): the built-in ones, and
 * codecs made of them (`gunzip`, `schema`, `withDecodeLimits`). processBatch decodes a record's
 * bytes with them before the record exists, and builds each record once, with its value.
 */
const recordBlind = new WeakSet<object>([auto, bytes, text, json, cloudWatchLogs]);

/**
 * Record-blind codecs that are also synchronous and keep nothing of the bytes they get: the built-in
 * `json` and `text`, and `withDecodeLimits` over them. processBatch may decode Lambda records with
 * them over one scratch buffer (see `decodeBase64Transient`).
 */
const transient = new WeakSet<object>([json, text]);

/** True when `codec` never looks at its `record` argument. */
export function isRecordBlind(codec: Codec<unknown>): boolean {
  return recordBlind.has(codec);
}

/** True when `codec` is synchronous, record-blind and keeps nothing of the bytes. */
export function isTransientCodec(codec: Codec<unknown>): boolean {
  return transient.has(codec);
}

/** Gives `wrapper` the traits of the codec it calls (when it adds nothing that looks at the record). */
export function inheritTraits(wrapper: Codec<unknown>, inner: Codec<unknown>): void {
  if (recordBlind.has(inner)) recordBlind.add(wrapper);
  if (transient.has(inner)) transient.add(wrapper);
}

/** Marks `wrapper` as record-blind when the codec it calls is (it may add a Promise or keep the bytes). */
export function inheritRecordBlind(wrapper: Codec<unknown>, inner: Codec<unknown>): void {
  if (recordBlind.has(inner)) recordBlind.add(wrapper);
}
