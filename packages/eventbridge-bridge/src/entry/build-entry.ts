import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { type StreamRecord, toEnvelope } from '@streamshare/core';
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
 * any other value (what the `json` codec or a schema returns) as its `JSON.stringify` text.
 */
export function payloadBytes(data: unknown): Uint8Array | string {
  if (data instanceof Uint8Array) return data;
  if (typeof data === 'string') return encoder.encode(data);
  let text: string | undefined;
  try {
    text = JSON.stringify(data);
  } catch (error) {
    return `its data does not serialize to JSON: ${error instanceof Error ? error.message : String(error)}`;
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
      throw new RecordNotForwardableError(record, `the ${field} function threw: ${String(error)}`, { cause: error });
    }
  }
  const problem = fieldProblem(field, resolved);
  if (problem) throw new RecordNotForwardableError(record, problem);
  return resolved as string;
}

/**
 * Turns a record into its PutEvents entry: `Detail` is the JSON of core's envelope (identity, a
 * dedupe id and the data), `Resources` is `[streamArn]`, `Time` the arrival time.
 * @throws RecordNotForwardableError when a setting function throws or the data cannot be serialized.
 */
export function buildEntry<T>(record: StreamRecord<T>, settings: EntrySettings<T>): PutEventsRequestEntry {
  let data: unknown = record.data;
  if (settings.transform) {
    try {
      data = settings.transform(record);
    } catch (error) {
      throw new RecordNotForwardableError(record, `transform threw: ${String(error)}`, { cause: error });
    }
  }
  const bytes = payloadBytes(data);
  if (typeof bytes === 'string') throw new RecordNotForwardableError(record, bytes);
  const envelope = toEnvelope({ ...(record as StreamRecord<unknown>), data: bytes });
  return {
    Source: resolve(record, 'source', settings.source),
    DetailType: resolve(record, 'detailType', settings.detailType),
    Detail: JSON.stringify(envelope),
    Resources: [record.streamArn],
    Time: record.approximateArrivalTimestamp,
    EventBusName: settings.eventBusName,
  };
}
