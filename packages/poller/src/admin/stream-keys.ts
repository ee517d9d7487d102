import { parseStreamKey } from '../coordination/stream-key.js';
import { CheckpointAdminError } from './errors.js';

/** The keys of one stream held by a store, with how many shards (checkpoints or lease items) each has. */
export type KeysInStore = ReadonlyMap<string, number>;

/** Why a key was chosen. */
export type KeyReason =
  /** Named with `--key`. */
  | 'explicit'
  /** The stream-qualified key of the stream as it is now (DescribeStreamSummary's creation time). */
  | 'current'
  /** The plain ARN: the key of a single-stream poller. */
  | 'plain';

/** The key the checkpoint tools work on, and what else the store holds for the stream. */
export interface StreamKeyChoice {
  readonly streamArn: string;
  readonly key: string;
  readonly reason: KeyReason;
  /** The stream's other keys in the store (an earlier stream of the name, or the other kind of key). */
  readonly others: readonly string[];
}

/** True when `key` is a key of `streamArn`: the plain ARN, or `<streamArn>:<epoch>` (pure). */
export function isKeyOf(key: string, streamArn: string): boolean {
  return key === streamArn || parseStreamKey(key)?.streamArn === streamArn;
}

/** True when some key of the store is stream-qualified (the current key must be known to choose). */
export function needsCurrentKey(keys: KeysInStore): boolean {
  return [...keys.keys()].some((key) => parseStreamKey(key) !== undefined);
}

/** `key (3 shards), key (1 shard)` for messages, in the order of `only`. */
function listed(keys: KeysInStore, only: readonly string[]): string {
  return only
    .map((key) => {
      const n = keys.get(key) ?? 0;
      return `${key} (${n} shard${n === 1 ? '' : 's'})`;
    })
    .join(', ');
}

/**
 * The key `checkpoints list|set --stream-arn` works on (pure), from the stream's keys in the store
 * and, when one of them is stream-qualified, `currentKey`: the key of the stream as it is now.
 *
 * - `explicit` (`--key`) wins.
 * - No stream-qualified key in the store: the plain ARN (a single-stream poller's key; also when the
 *   store holds nothing of the stream, as the tools always did).
 * - The current key in the store and the plain ARN too: refused, `AMBIGUOUS_STREAM_KEY` (a poller of
 *   several streams and a single-stream poller both read it): name one with `--key`.
 * - The current key in the store: it. Else the plain ARN when the store holds it (a single-stream
 *   poller reads the stream; the qualified keys are of an earlier stream of its name). Else the
 *   current key (the stream re-created: nothing of it yet; the keys of the earlier one are `others`).
 */
export function chooseStreamKey(
  streamArn: string,
  keys: KeysInStore,
  currentKey: string | undefined,
  explicit?: string,
): StreamKeyChoice {
  const others = (key: string) => [...keys.keys()].filter((k) => k !== key).sort();
  if (explicit !== undefined) return { streamArn, key: explicit, reason: 'explicit', others: others(explicit) };
  if (!needsCurrentKey(keys) || currentKey === undefined) {
    return { streamArn, key: streamArn, reason: 'plain', others: others(streamArn) };
  }
  if (keys.has(currentKey) && keys.has(streamArn)) {
    throw new CheckpointAdminError(
      'AMBIGUOUS_STREAM_KEY',
      `refused: the store holds checkpoints of ${streamArn} under two keys: ${listed(keys, [currentKey, streamArn])} (the first is the key of a poller of several streams, of the stream as it is now; the second a single-stream poller's). Name the one to work on with --key KEY`,
    );
  }
  if (keys.has(currentKey)) return { streamArn, key: currentKey, reason: 'current', others: others(currentKey) };
  if (keys.has(streamArn)) return { streamArn, key: streamArn, reason: 'plain', others: others(streamArn) };
  return { streamArn, key: currentKey, reason: 'current', others: others(currentKey) };
}

/** When the key was written, for people: `created 2024-02-28T06:15:11.000Z`. */
function createdText(key: string): string {
  const parsed = parseStreamKey(key);
  return parsed === undefined ? '' : `, created ${new Date(parsed.epochSeconds * 1000).toISOString()}`;
}

/** The lines saying which key was used and what else the store holds (pure). */
export function describeChoice(choice: StreamKeyChoice): string[] {
  const why =
    choice.reason === 'explicit'
      ? 'named with --key'
      : choice.reason === 'current'
        ? `the stream as it is now${createdText(choice.key)}: a poller of several streams reads it`
        : 'the plain ARN: a single-stream poller reads it';
  const lines = [`key: ${choice.key} (${why})`];
  for (const other of choice.others) {
    const what =
      parseStreamKey(other) === undefined
        ? 'a single-stream poller'
        : `a poller of several streams${createdText(other)}`;
    lines.push(`also in the store: key ${other} (${what}); name it with --key to work on it`);
  }
  return lines;
}

/**
 * A `--key` value for `streamArn` (pure): the plain ARN or `<streamArn>:<epoch>`; a reason when it is
 * neither (a key of another stream included).
 */
export function parseKeyFlag(
  text: string,
  streamArn: string | undefined,
): { key: string; streamArn: string } | { reason: string } {
  const value = text.trim();
  const parsed = parseStreamKey(value);
  const arn = parsed?.streamArn ?? (/^arn:[^:]+:kinesis:[^:]*:\d*:stream\/[^:/]+$/.test(value) ? value : undefined);
  if (arn === undefined) {
    return {
      reason: `${JSON.stringify(text)} is not a checkpoint key: a stream ARN, or a stream ARN, a colon and its creation time in epoch seconds (arn:aws:kinesis:REGION:ACCOUNT:stream/NAME:1709100911)`,
    };
  }
  if (streamArn !== undefined && arn !== streamArn) {
    return { reason: `${JSON.stringify(text)} is a key of another stream than --stream-arn ${streamArn}` };
  }
  return { key: value, streamArn: arn };
}

/** What {@link findStreamKey} reads the stream's keys from (`FileStoreAdmin`, `LeaseTableAdmin`). */
export interface KeyedStore {
  keysOf(streamArn: string): Promise<ReadonlyMap<string, number>>;
}

/**
 * The key the tools work on for `streamArn` (see {@link chooseStreamKey}): `explicit` as given (the
 * store not searched); else the stream's keys in the store, and, when one of them is stream-qualified,
 * the key of the stream as it is now from `currentKey` (DescribeStreamSummary: only then called).
 */
export async function findStreamKey(
  store: KeyedStore,
  streamArn: string,
  options: { readonly explicit?: string | undefined; readonly currentKey: () => Promise<string> },
): Promise<StreamKeyChoice> {
  if (options.explicit !== undefined) return chooseStreamKey(streamArn, new Map(), undefined, options.explicit);
  const keys = await store.keysOf(streamArn);
  const current = needsCurrentKey(keys) ? await options.currentKey() : undefined;
  return chooseStreamKey(streamArn, keys, current);
}
