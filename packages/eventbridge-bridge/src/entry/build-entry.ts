import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { StreamRecord } from '@streamshare/core';
import { describeThrown, toEnvelopeJson, toJsonText } from '@streamshare/core/internal';
import { RecordNotForwardableError } from '../errors.js';

/** A value given once for all records, or computed from each record. */
export type PerRecord<T, V> = V | ((record: StreamRecord<T>) => V);

/** How records become entries. */
export interface EntrySettings<T> {
  /** `EventBusName` of every entry (the bus ARN across accounts and regions). */
  readonly eventBusName: string;
  readonly source: PerRecord<T, string>;
  readonly detailType: PerRecord<T, string>;
  /** Replaces the data put in the envelope (see `EventBridgeForwarderOptions.transform`). */
  readonly transform?: ((record: StreamRecord<T>) => unknown) | undefined;
}

const encoder = new TextEncoder();

/** Why a Source or DetailType value is invalid, or `undefined`. */
export function fieldProblem(field: 'source' | 'detailType', value: unknown): string | undefined {
  const max = field === 'source' ? 256 : 128;
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    return `${field} must be a string of 1 to ${max} characters, got ${typeof value === 'string' ? `${value.length} characters` : typeof value}`;
  }
  if (field === 'source' && value.startsWith('aws.'))
    return `source ${JSON.stringify(value)} uses the reserved prefix "aws."`;
  return undefined;
}

/**
 * The bytes the envelope is built from. Bytes are taken as they are (the `bytes` codec upstream
 * keeps them exact); a string is taken as text (its UTF-8 bytes, as the `text` codec decoded it);
 * any other value (what the `json` codec or a schema returns) as its `JSON.stringify` text, at any
 * depth (core's `toJsonText`: native, and without recursion where the native one runs out of stack).
 * Returns why not, as text, when the value has no JSON text.
 */
export function payloadBytes(data: unknown): Uint8Array | string {
  if (typeof data === 'string') return encoder.encode(data);
  let text: string | undefined;
  try {
    if (data instanceof Uint8Array) return data; // a Proxy's getPrototypeOf trap may throw
    if (typeof (data as { then?: unknown } | null)?.then === 'function') {
      return 'its data is a Promise (or another thenable): transform must return the data itself, not a promise of it';
    }
    text = toJsonText(data);
  } catch (error) {
    return `its data does not serialize to JSON: ${describeThrown(error)}`;
  }
  if (text === undefined) return `its data (${typeof data}) does not serialize to JSON`;
  return encoder.encode(text);
}

function resolve<T>(record: StreamRecord<T>, field: 'source' | 'detailType', value: PerRecord<T, string>): string {
  let resolved: unknown = value;
  if (typeof value === 'function') {
    try {
      resolved = value(record);
    } catch (error) {
      throw new RecordNotForwardableError(record, `the ${field} function threw: ${describeThrown(error)}`, {
        cause: error,
      });
    }
  }
  const problem = fieldProblem(field, resolved);
  if (problem) throw new RecordNotForwardableError(record, problem);
  return resolved as string;
}

/**
 * Turns a record into its PutEvents entry: `Detail` is the JSON of core's envelope (identity, a
 * dedupe id and the data), `Resources` is `[streamArn]`, `Time` the arrival time. Data of any depth
 * is carried: JSON nested deeper than core's `MAX_INLINED_JSON_DEPTH` goes base64 in the envelope
 * (EventBridge processes JSON only up to 1000 levels deep).
 * @throws RecordNotForwardableError when a setting function throws or the data cannot be
 *   serialized; nothing else.
 */
export function buildEntry<T>(record: StreamRecord<T>, settings: EntrySettings<T>): PutEventsRequestEntry {
  let data: unknown = record.data;
  if (settings.transform) {
    try {
      data = settings.transform(record);
    } catch (error) {
      throw new RecordNotForwardableError(record, `transform threw: ${describeThrown(error)}`, { cause: error });
    }
  }
  const bytes = payloadBytes(data);
  if (typeof bytes === 'string') throw new RecordNotForwardableError(record, bytes);
  let detail: string;
  try {
    detail = toEnvelopeJson({ ...(record as StreamRecord<unknown>), data: bytes });
  } catch (error) {
    // Not expected (the envelope is built without recursion on the data); if it happens, it is this record's.
    throw new RecordNotForwardableError(record, `its envelope could not be built: ${describeThrown(error)}`, {
      cause: error,
    });
  }
  return {
    Source: resolve(record, 'source', settings.source),
    DetailType: resolve(record, 'detailType', settings.detailType),
    Detail: detail,
    Resources: [record.streamArn],
    Time: record.approximateArrivalTimestamp,
    EventBusName: settings.eventBusName,
  };
}
