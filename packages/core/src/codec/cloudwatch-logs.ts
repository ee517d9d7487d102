import type { Codec } from './codec.js';
import { decompress, detectCompression } from './compression.js';
import { parseJsonBytes } from './json.js';

/** One log event of a CloudWatch Logs subscription payload. */
export interface CloudWatchLogEvent {
  readonly id: string;
  /** Epoch milliseconds. */
  readonly timestamp: number;
  readonly message: string;
  /** Fields extracted by the subscription filter pattern, when it has any. */
  readonly extractedFields?: Readonly<Record<string, string>>;
}

interface CloudWatchLogsCommon {
  /** Account id of the log data's owner (`CloudwatchLogs` on control messages). */
  readonly owner: string;
  readonly logGroup: string;
  readonly logStream: string;
  readonly subscriptionFilters: readonly string[];
  readonly logEvents: readonly CloudWatchLogEvent[];
  /** `ACCOUNT_LEVEL_POLICY` for account-level subscription policies, when present. */
  readonly policyLevel?: string;
}

/** Log events forwarded by a subscription filter. */
export interface CloudWatchLogsDataMessage extends CloudWatchLogsCommon {
  readonly messageType: 'DATA_MESSAGE';
}

/**
 * The health check CloudWatch Logs sends when a subscription is created. It carries no log data of
 * yours: skip it (`logEventsOf` gives no events for it).
 */
export interface CloudWatchLogsControlMessage extends CloudWatchLogsCommon {
  readonly messageType: 'CONTROL_MESSAGE';
}

/** A decoded CloudWatch Logs subscription payload; tell the two kinds apart by `messageType`. */
export type CloudWatchLogsData = CloudWatchLogsDataMessage | CloudWatchLogsControlMessage;

function check(condition: boolean, what: string): asserts condition {
  if (!condition) throw new Error(`not a CloudWatch Logs subscription payload: ${what}`);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/** Checks the shape of a parsed payload; throws naming the first field that is wrong. */
export function assertCloudWatchLogsData(value: unknown): asserts value is CloudWatchLogsData {
  check(typeof value === 'object' && value !== null && !Array.isArray(value), 'the JSON is not an object');
  const payload = value as Record<string, unknown>;
  check(
    payload.messageType === 'DATA_MESSAGE' || payload.messageType === 'CONTROL_MESSAGE',
    `messageType should be "DATA_MESSAGE" or "CONTROL_MESSAGE", got ${JSON.stringify(payload.messageType)}`,
  );
  for (const field of ['owner', 'logGroup', 'logStream'] as const) {
    check(typeof payload[field] === 'string', `${field} should be a string`);
  }
  check(isStringArray(payload.subscriptionFilters), 'subscriptionFilters should be an array of strings');
  const events = payload.logEvents;
  check(Array.isArray(events), 'logEvents should be an array');
  for (let i = 0; i < events.length; i++) {
    const event = events[i] as Record<string, unknown> | null;
    check(typeof event === 'object' && event !== null, `logEvents[${i}] should be an object`);
    check(typeof event.id === 'string', `logEvents[${i}].id should be a string`);
    check(typeof event.timestamp === 'number', `logEvents[${i}].timestamp should be a number`);
    check(typeof event.message === 'string', `logEvents[${i}].message should be a string`);
  }
}

/**
 * CloudWatch Logs subscription payloads (gzip JSON, as a subscription filter writes them to a
 * stream). Both DATA_MESSAGE and CONTROL_MESSAGE decode; a handler skips control messages with
 * `data.messageType === 'CONTROL_MESSAGE'`, or simply iterates `logEventsOf(data)`.
 * Data that is not gzip/zlib, not JSON, or not of this shape is an error, and so is data over the
 * decode limits (`maxOutputLength` inflated, `maxJsonContainers`).
 */
export const cloudWatchLogs: Codec<CloudWatchLogsData> = {
  name: 'cloudwatch-logs',
  decode(data, _record, limits) {
    const value = parseJsonBytes(decompress(data, detectCompression(data), limits), limits);
    assertCloudWatchLogsData(value);
    return value;
  },
};

/** True for the CONTROL_MESSAGE CloudWatch Logs sends to check a destination. */
export function isControlMessage(data: CloudWatchLogsData): data is CloudWatchLogsControlMessage {
  return data.messageType === 'CONTROL_MESSAGE';
}

/**
 * The log events of a payload, one by one, in order: those of a DATA_MESSAGE, none for a
 * CONTROL_MESSAGE (its single event is a health check, not log data).
 *
 * ```ts
 * for (const event of logEventsOf(record.data)) console.log(event.timestamp, event.message);
 * ```
 */
export function logEventsOf(data: CloudWatchLogsData): readonly CloudWatchLogEvent[] {
  return data.messageType === 'DATA_MESSAGE' ? data.logEvents : [];
}
