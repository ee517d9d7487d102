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

const STREAM_ARN = /^arn:aws[a-z-]*:kinesis:[a-z0-9-]+:\d{12}:stream\/[A-Za-z0-9_.-]{1,128}$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

/** A Kinesis stream ARN `arn:aws:kinesis:<region>:<account>:stream/<name>`. */
export function parseStreamArn(raw: RawValue): string {
  const value = raw.value.trim();
  if (!STREAM_ARN.test(value)) {
    throw new UsageError(
      `${raw.source}: ${JSON.stringify(raw.value)} is not a stream ARN; expected arn:aws:kinesis:<region>:<12-digit account>:stream/<name>, e.g. arn:aws:kinesis:us-east-1:999900009999:stream/orders`,
    );
  }
  return value;
}

/** An IAM role ARN `arn:aws:iam::<account>:role/<name>`. */
export function parseRoleArn(raw: RawValue): string {
  const value = raw.value.trim();
  if (!ROLE_ARN.test(value)) {
    throw new UsageError(
      `${raw.source}: ${JSON.stringify(raw.value)} is not an IAM role ARN; expected arn:aws:iam::<12-digit account>:role/<name>`,
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

const ISO_8601 = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** `trim-horizon`, `latest` or an ISO-8601 time such as `2024-02-28T06:15:00Z`. */
export function parseStartFrom(raw: RawValue): StartFrom {
  const value = raw.value.trim();
  const lower = value.toLowerCase();
  if (lower === 'trim-horizon' || lower === 'trim_horizon') return 'TRIM_HORIZON';
  if (lower === 'latest') return 'LATEST';
  const time = ISO_8601.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(time)) {
    throw new UsageError(
      `${raw.source}: ${JSON.stringify(raw.value)} is not trim-horizon, latest or an ISO-8601 time (e.g. 2024-02-28T06:15:00Z)`,
    );
  }
  return { timestamp: new Date(time) };
}
