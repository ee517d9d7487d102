import { type BatchInput, type LambdaRecords, lambdaRecords } from '@streamshare/core';
import { KINESIS_EVENT_EXPECTED, type KinesisEventBatch, readKinesisEvent } from './read-kinesis-event.js';

/** A Lambda Kinesis event checked for processBatch, its records read at their turn. */
export interface ScannedKinesisEvent extends Omit<KinesisEventBatch, 'inputs'> {
  /** The records, checked, for processBatch to read one at a time (or normalized, see below). */
  readonly inputs: LambdaRecords | BatchInput[];
  /** Records in the event. */
  readonly count: number;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks a Lambda Kinesis event as {@link readKinesisEvent} does (Kinesis records of one shard,
 * every field of every record) with core's `lambdaRecords`, in one pass and without decoding any
 * data: processBatch reads each record at its turn, so a batch holds one record's bytes at a time.
 * When anything is amiss it falls back to readKinesisEvent, so that an invalid event gets exactly
 * its error.
 *
 * @throws InvalidEventError as {@link readKinesisEvent}.
 */
export function scanKinesisEvent(event: unknown, expected: string = KINESIS_EVENT_EXPECTED): ScannedKinesisEvent {
  const records = isObject(event) && Array.isArray(event.Records) ? (event.Records as unknown[]) : undefined;
  const first = records?.[0];
  if (records === undefined || !isObject(first)) return fallback(event, expected);
  let inputs: LambdaRecords;
  try {
    inputs = lambdaRecords(records as Parameters<typeof lambdaRecords>[0]);
  } catch {
    return fallback(event, expected);
  }
  const last = inputs.records[records.length - 1];
  return {
    inputs,
    count: records.length,
    streamArn: inputs.streamArn,
    shardId: inputs.shardId,
    invokeIdentityArn: typeof first.invokeIdentityArn === 'string' ? first.invokeIdentityArn : undefined,
    awsRegion: typeof first.awsRegion === 'string' ? first.awsRegion : undefined,
    lastArrival: last === undefined ? undefined : new Date(Math.round(last.kinesis.approximateArrivalTimestamp * 1000)),
  };
}

/** The event as readKinesisEvent reads it: its error for an invalid event, else its records normalized. */
function fallback(event: unknown, expected: string): ScannedKinesisEvent {
  const batch = readKinesisEvent(event, expected);
  return { ...batch, count: batch.inputs.length };
}
