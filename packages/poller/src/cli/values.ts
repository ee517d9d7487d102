import { isIP } from 'node:net';
import {
  describeThrown,
  InvalidArnError,
  parseRoleArn as parseRoleArnParts,
  parseStreamArn as parseStreamArnParts,
} from '@streamshare/core/internal';
import { checkConsumerArn } from '../subscription/consumer-option.js';
import type { RawValue } from './flags.js';
import { UsageError } from './usage-error.js';

/** Pure parsers of flag values; each throws a {@link UsageError} naming the flag (or variable) and what it accepts. */

/** One of `allowed`, compared case-insensitively; returns the allowed spelling. */
export function parseChoice<T extends string>(raw: RawValue, allowed: readonly T[]): T {
  const found = allowed.find((choice) => choice.toLowerCase() === raw.value.trim().toLowerCase());
  if (found === undefined) {
    throw new UsageError(`${raw.source}: ${JSON.stringify(raw.value)} is not one of ${allowed.join(', ')}`);
  }
  return found;
}

/** A whole number in [min, max]. */
export function parseInteger(raw: RawValue, min: number, max: number = Number.MAX_SAFE_INTEGER): number {
  const text = raw.value.trim();
  const value = /^-?\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `a whole number >= ${min}` : `a whole number from ${min} to ${max}`;
    throw new UsageError(`${raw.source}: ${JSON.stringify(raw.value)} is not ${range}`);
  }
  return value;
}

/** Reads an ARN flag with core's parser; a refused value is a UsageError naming the flag, why, and the expected form. */
function arnFlag(
  raw: RawValue,
  parse: (value: string) => { readonly arn: string },
  what: string,
  expected: string,
): string {
  try {
    return parse(raw.value.trim()).arn;
  } catch (error) {
    const why = error instanceof InvalidArnError ? error.reason : describeThrown(error);
    throw new UsageError(`${raw.source}: ${JSON.stringify(raw.value)} is not ${what} (${why}); expected ${expected}`, {
      cause: error,
    });
  }
}

/** A Kinesis stream ARN `arn:aws:kinesis:<region>:<account>:stream/<name>`. */
export function parseStreamArn(raw: RawValue): string {
  return arnFlag(
    raw,
    parseStreamArnParts,
    'a stream ARN',
    'arn:aws:kinesis:<region>:<12-digit account>:stream/<name>, e.g. arn:aws:kinesis:us-east-1:999900009999:stream/orders',
  );
}

/**
 * A consumer ARN of the stream read (`--consumer-arn`, enhanced fan-out): well formed, and a consumer
 * registered on `streamArn` (a consumer of another stream is refused, naming both streams).
 */
export function parseConsumerArnFlag(raw: RawValue, streamArn: string): string {
  try {
    return checkConsumerArn(raw.value.trim(), streamArn, raw.source).arn;
  } catch (error) {
    if (error instanceof InvalidArnError) {
      throw new UsageError(
        `${raw.source}: ${JSON.stringify(raw.value)} is not a consumer ARN (${error.reason}); expected ` +
          'arn:aws:kinesis:<region>:<12-digit account>:stream/<name>/consumer/<consumer name>:<creation timestamp>',
        { cause: error },
      );
    }
    throw new UsageError(describeThrown(error), { cause: error });
  }
}

/** An IAM role ARN `arn:aws:iam::<account>:role/<name>`. */
export function parseRoleArn(raw: RawValue): string {
  return arnFlag(raw, parseRoleArnParts, 'an IAM role ARN', 'arn:aws:iam::<12-digit account>:role/<name>');
}

const HOST_LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;

/**
 * An address to bind: an IPv4 or IPv6 address (`[::1]` taken as `::1`) or a host name (labels of
 * letters, digits and hyphens). Whether the machine has that address is only known when binding.
 */
export function parseHost(raw: RawValue): string {
  const trimmed = raw.value.trim();
  const value = trimmed.startsWith('[') && trimmed.endsWith(']') ? trimmed.slice(1, -1) : trimmed;
  const name = value.endsWith('.') ? value.slice(0, -1) : value;
  const ok =
    isIP(value) !== 0 ||
    (name.length > 0 && name.length <= 253 && name.split('.').every((label) => HOST_LABEL.test(label)));
  if (!ok) {
    throw new UsageError(
      `${raw.source}: ${JSON.stringify(raw.value)} is not an address to bind: give an IP address of this machine (0.0.0.0 for all, 127.0.0.1 for local only, :: for all IPv6) or its host name`,
    );
  }
  return value;
}

/** Where the handler module is and which export to use: `PATH[#EXPORT]`, export `default` when omitted. */
export interface HandlerRef {
  readonly path: string;
  readonly exportName: string;
}

/** `PATH[#EXPORT]`. */
export function parseHandlerRef(raw: RawValue): HandlerRef {
  const value = raw.value.trim();
  const hash = value.lastIndexOf('#');
  const path = hash === -1 ? value : value.slice(0, hash);
  const exportName = hash === -1 ? 'default' : value.slice(hash + 1);
  if (path === '' || !/^[A-Za-z_$][\w$]*$/.test(exportName)) {
    throw new UsageError(
      `${raw.source}: ${JSON.stringify(raw.value)} is not PATH[#EXPORT] (a module file, optionally followed by # and an export name, e.g. ./handler.mjs#handle)`,
    );
  }
  return { path, exportName };
}

/** Where a shard without a checkpoint starts, as the poller takes it. */
export type StartFrom = 'TRIM_HORIZON' | 'LATEST' | { readonly timestamp: Date };

/**
 * ISO-8601 as `--from` takes it: a date, optionally a time (minutes, seconds, up to 9 fraction digits)
 * and a zone (`Z` or `+hh:mm`); without a zone the time is local, as `Date.parse` reads it.
 */
const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-](\d{2}):?(\d{2}))?)?$/i;

/** Days in a month of the proleptic Gregorian calendar (month 1..12). */
function daysIn(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * A strict ISO-8601 time (pure): each field in its range (`2024-02-30` and `25:00` are refused, where
 * `Date.parse` would roll them over), and the instant read back to the same fields (a round trip; for
 * a local time, one that falls in a daylight-saving gap is refused). A reason when it is not one.
 */
export function parseIsoTime(text: string): { readonly time: Date } | { readonly reason: string } {
  const m = ISO_8601.exec(text);
  if (!m) return { reason: 'not an ISO-8601 time' };
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const [hour, minute, second] = [Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
  const ms = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3));
  if (month < 1 || month > 12) return { reason: `month ${m[2]} does not exist` };
  if (day < 1 || day > daysIn(year, month)) {
    return { reason: `${m[1]}-${m[2]} has no day ${m[3]}: it has ${daysIn(year, month)} days` };
  }
  if (hour > 23 || minute > 59 || second > 59)
    return { reason: `${m[4]}:${m[5]}:${m[6] ?? '00'} is not a time of day` };
  const zone = m[8];
  if (zone !== undefined && zone.toUpperCase() !== 'Z' && (Number(m[9]) > 23 || Number(m[10]) > 59)) {
    return { reason: `${zone} is not a time-zone offset` };
  }
  const dateOnly = m[4] === undefined;
  let time: number;
  if (zone !== undefined || dateOnly) {
    // A date alone is UTC midnight (as Date.parse reads it); an offset is applied to the UTC fields.
    const offset =
      zone === undefined || zone.toUpperCase() === 'Z'
        ? 0
        : (zone.startsWith('-') ? -1 : 1) * (Number(m[9]) * 60 + Number(m[10])) * 60_000;
    const utc = new Date(0);
    utc.setUTCFullYear(year, month - 1, day); // (Date.UTC would read years 0..99 as 1900..1999)
    utc.setUTCHours(hour, minute, second, ms);
    time = utc.getTime() - offset;
    const back = new Date(time + offset);
    if (back.getUTCFullYear() !== year || back.getUTCMonth() !== month - 1 || back.getUTCDate() !== day) {
      return { reason: 'not a time that exists' };
    }
  } else {
    const local = new Date(year, month - 1, day, hour, minute, second, ms);
    local.setFullYear(year); // years 0..99 would be read as 1900..1999
    if (
      local.getFullYear() !== year ||
      local.getMonth() !== month - 1 ||
      local.getDate() !== day ||
      local.getHours() !== hour ||
      local.getMinutes() !== minute
    ) {
      return { reason: 'that local time does not exist here (a daylight-saving gap); give Z or an offset' };
    }
    time = local.getTime();
  }
  if (!Number.isFinite(time)) return { reason: 'out of range' };
  return { time: new Date(time) };
}

/** `trim-horizon`, `latest` or an ISO-8601 time such as `2024-02-28T06:15:00Z` (checked strictly, see {@link parseIsoTime}). */
export function parseStartFrom(raw: RawValue): StartFrom {
  const value = raw.value.trim();
  const lower = value.toLowerCase();
  if (lower === 'trim-horizon' || lower === 'trim_horizon') return 'TRIM_HORIZON';
  if (lower === 'latest') return 'LATEST';
  const parsed = parseIsoTime(value);
  if ('reason' in parsed) {
    const why = parsed.reason === 'not an ISO-8601 time' ? '' : ` (${parsed.reason})`;
    throw new UsageError(
      `${raw.source}: ${JSON.stringify(raw.value)} is not trim-horizon, latest or an ISO-8601 time${why}; e.g. 2024-02-28T06:15:00Z`,
    );
  }
  return { timestamp: parsed.time };
}
