import { type BatchInput, type LambdaRecords, lambdaRecords } from '@streamshare/core/internal';
import { KINESIS_EVENT_EXPECTED, type KinesisEventBatch, readKinesisEvent } from './read-kinesis-event.js';

/** A Lambda Kinesis event recognised for processBatch, its records checked and read at their turn. */
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
 * Recognises a Lambda Kinesis event by its first record (a Kinesis record, every field checked)
 * with core's `lambdaRecords`, without decoding any data: processBatch checks and reads each
 * record at its turn, so a batch holds one record's bytes at a time and touches each record once.
 * A later record that is malformed or of another shard fails as that record. When the event
 * itself is amiss it falls back to readKinesisEvent, so that an invalid event gets exactly its
 * error.
 *
 * @throws InvalidEventError as {@link readKinesisEvent}, for an event whose first record (or
 *   `Records`) is not that of a Kinesis event.
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
  // The last record is only checked at its turn: its arrival time is read with care, for the lag.
  const last = records[records.length - 1] as { kinesis?: { approximateArrivalTimestamp?: unknown } } | null;
  const lastSeconds = typeof last === 'object' ? last?.kinesis?.approximateArrivalTimestamp : undefined;
  return {
    inputs,
    count: records.length,
    streamArn: inputs.streamArn,
    shardId: inputs.shardId,
    invokeIdentityArn: typeof first.invokeIdentityArn === 'string' ? first.invokeIdentityArn : undefined,
    awsRegion: typeof first.awsRegion === 'string' ? first.awsRegion : undefined,
    lastArrival:
      typeof lastSeconds === 'number' && Number.isFinite(lastSeconds)
        ? new Date(Math.round(lastSeconds * 1000))
        : undefined,
  };
}

/** The event as readKinesisEvent reads it: its error for an invalid event, else its records normalized. */
function fallback(event: unknown, expected: string): ScannedKinesisEvent {
  const batch = readKinesisEvent(event, expected);
  return { ...batch, count: batch.inputs.length };
}
