import { describeThrown } from '@streamshare/core/internal';
import type { RawValue } from './flags.js';
import { UsageError } from './usage-error.js';
import {
  parseChoice,
  parseConsumerArnFlag,
  parseRoleArn,
  parseStartFrom,
  parseStreamArn,
  type StartFrom,
} from './values.js';

/** What happens when one stream of several fails for good (createPoller's `onStreamFailure`). */
export const STREAM_FAILURE_POLICIES = ['continue', 'stop'] as const;
export type StreamFailureChoice = (typeof STREAM_FAILURE_POLICIES)[number];

/** One stream of `streamshare poll`, from `--stream-arn` or the `--config` file. */
export interface StreamConfig {
  readonly streamArn: string;
  /** Its own role (a config file's `roleArn`); absent: `--role-arn`, if any. */
  readonly assumeRole?: { readonly roleArn: string; readonly externalId?: string; readonly sessionName?: string };
  /** Its own starting position (a config file's `from`); absent: `--from`. */
  readonly startingPosition?: StartFrom;
  /** Enhanced fan-out: a consumer registered on this stream. */
  readonly consumerArn?: string;
}

/** What a `--config` file says. */
export interface StreamsFile {
  readonly streams: readonly StreamConfig[];
  readonly onStreamFailure?: StreamFailureChoice;
}

const FILE_KEYS = ['streams', 'onStreamFailure'] as const;
const STREAM_KEYS = ['streamArn', 'roleArn', 'externalId', 'sessionName', 'from', 'consumerArn'] as const;

/** The keys of `value` not in `known`, for a message naming the first. */
function unknownKey(value: Record<string, unknown>, known: readonly string[]): string | undefined {
  return Object.keys(value).find((key) => !known.includes(key));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads the JSON of a `--config` file (pure): `{"streams": [{"streamArn", "roleArn"?, "externalId"?,
 * "sessionName"?, "from"?, "consumerArn"?}, ...], "onStreamFailure"?: "continue" | "stop"}`.
 * @param source How messages name the file, e.g. `--config fleet.json`.
 * @throws UsageError naming the file and the setting at fault (not JSON, an unknown key, a value of the
 * wrong type, a malformed ARN, a role setting without `roleArn`, a stream named twice).
 */
export function parseStreamsFile(text: string, source: string): StreamsFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${source}: not JSON: ${describeThrown(error)}`, { cause: error });
  }
  if (!isObject(parsed)) throw new UsageError(`${source}: expected a JSON object {"streams": [...]}`);
  const extra = unknownKey(parsed, FILE_KEYS);
  if (extra !== undefined) {
    throw new UsageError(`${source}: unknown setting ${JSON.stringify(extra)} (known: ${FILE_KEYS.join(', ')})`);
  }
  const { streams, onStreamFailure } = parsed;
  if (!Array.isArray(streams) || streams.length === 0) {
    throw new UsageError(`${source}: "streams" must be a non-empty array of {"streamArn": ...}`);
  }
  const text_ = (value: unknown, where: string): RawValue => {
    if (typeof value !== 'string' || value.trim() === '') {
      throw new UsageError(`${source} ${where}: expected a non-empty string, got ${describeThrown(value)}`);
    }
    return { value, source: `${source} ${where}` };
  };
  const seen = new Set<string>();
  const configs = streams.map((entry: unknown, i): StreamConfig => {
    const at = `streams[${i}]`;
    if (!isObject(entry)) throw new UsageError(`${source} ${at}: expected an object {"streamArn": ...}`);
    const bad = unknownKey(entry, STREAM_KEYS);
    if (bad !== undefined) {
      throw new UsageError(
        `${source} ${at}: unknown setting ${JSON.stringify(bad)} (known: ${STREAM_KEYS.join(', ')})`,
      );
    }
    const streamArn = parseStreamArn(text_(entry.streamArn, `${at}.streamArn`));
    if (seen.has(streamArn)) throw new UsageError(`${source} ${at}: ${streamArn} is named twice`);
    seen.add(streamArn);
    if (entry.roleArn === undefined && (entry.externalId !== undefined || entry.sessionName !== undefined)) {
      throw new UsageError(`${source} ${at}: externalId and sessionName need roleArn`);
    }
    const assumeRole =
      entry.roleArn === undefined
        ? undefined
        : {
            roleArn: parseRoleArn(text_(entry.roleArn, `${at}.roleArn`)),
            ...(entry.externalId === undefined
              ? {}
              : { externalId: text_(entry.externalId, `${at}.externalId`).value }),
            ...(entry.sessionName === undefined
              ? {}
              : { sessionName: text_(entry.sessionName, `${at}.sessionName`).value }),
          };
    return {
      streamArn,
      ...(assumeRole === undefined ? {} : { assumeRole }),
      ...(entry.from === undefined ? {} : { startingPosition: parseStartFrom(text_(entry.from, `${at}.from`)) }),
      ...(entry.consumerArn === undefined
        ? {}
        : { consumerArn: parseConsumerArnFlag(text_(entry.consumerArn, `${at}.consumerArn`), streamArn) }),
    };
  });
  return {
    streams: configs,
    ...(onStreamFailure === undefined
      ? {}
      : {
          onStreamFailure: parseChoice(text_(onStreamFailure, 'onStreamFailure'), STREAM_FAILURE_POLICIES),
        }),
  };
}
