import { DecodeError, InvalidInputError, type StreamRecord } from '@streamshare/core';
import { type BatchInput, fromLambdaRecord, type RejectedRecord } from '@streamshare/core/internal';
import type { KinesisStreamRecord } from 'aws-lambda';
import { InvalidEventError } from '../errors/invalid-event-error.js';
import { describeInput } from './describe-input.js';

/** What a Kinesis handler takes, for error messages. */
export const KINESIS_EVENT_EXPECTED =
  'a Kinesis stream event ({ Records: [{ eventSource: "aws:kinesis", eventID, eventSourceARN, kinesis: { data, partitionKey, sequenceNumber, approximateArrivalTimestamp } }] })';

/** The records of one Lambda Kinesis event, normalized, and where they came from. */
export interface KinesisEventBatch {
  /** The records in event order: raw bytes (KPL aggregates not yet expanded) or rejected inputs. */
  readonly inputs: BatchInput[];
  /** The stream (`eventSourceARN`), `undefined` for an event without records. */
  readonly streamArn: string | undefined;
  /** The shard (from `eventID`), `undefined` for an event without records. */
  readonly shardId: string | undefined;
  /** The role Lambda used to read the stream (`invokeIdentityArn` of the first record). */
  readonly invokeIdentityArn: string | undefined;
  /** The region of the event source mapping (`awsRegion` of the first record). */
  readonly awsRegion: string | undefined;
  /** Arrival time of the last record, for the lag. */
  readonly lastArrival: Date | undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks that `event` is a Lambda Kinesis event holding records of one shard, and normalizes its
 * records with core's `fromLambdaRecord`. A record whose data is not base64 becomes a
 * `RejectedRecord` at its position (it fails as that record only); anything else that is wrong
 * with the event is an {@link InvalidEventError}.
 *
 * @throws InvalidEventError when the event is not a Kinesis event, a record is malformed, or the
 *   records come from more than one shard.
 */
export function readKinesisEvent(event: unknown, expected: string = KINESIS_EVENT_EXPECTED): KinesisEventBatch {
  if (!isObject(event) || !Array.isArray(event.Records)) throw new InvalidEventError(describeInput(event), expected);
  const records: unknown[] = event.Records;
  const inputs: BatchInput[] = new Array(records.length);
  for (let i = 0; i < records.length; i++) {
    const record = records[i];
    if (!isObject(record) || record.eventSource !== 'aws:kinesis') {
      const received =
        i === 0
          ? describeInput(event)
          : `an event whose Records[${i}] is ${isObject(record) ? `from ${sourceOf(record.eventSource)}` : describeInput(record)}`;
      throw new InvalidEventError(received, expected);
    }
    inputs[i] = normalize(record as unknown as KinesisStreamRecord, i, expected);
  }
  return summarize(inputs, records);
}

/** An eventSource for a message: a string as JSON (clipped), anything else by its type. */
function sourceOf(value: unknown): string {
  if (typeof value !== 'string')
    return value === undefined ? 'no eventSource' : `an eventSource of type ${typeof value}`;
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
}

function normalize(record: KinesisStreamRecord, index: number, expected: string): BatchInput {
  try {
    return fromLambdaRecord(record);
  } catch (error) {
    if (error instanceof DecodeError) return reject(record, error);
    if (error instanceof InvalidInputError) {
      throw new InvalidEventError(`a Kinesis event whose Records[${index}] is malformed`, expected, {
        cause: error,
        detail: error.message,
      });
    }
    throw error;
  }
}

/** A record whose data could not be read: it keeps its identity and position, with empty data. */
function reject(record: KinesisStreamRecord, error: DecodeError): RejectedRecord {
  const seconds = record.kinesis.approximateArrivalTimestamp;
  const rejected: StreamRecord<Uint8Array> = {
    ...error.record,
    approximateArrivalTimestamp: new Date(Math.round(seconds * 1000)),
    data: new Uint8Array(0),
  };
  return { kind: 'rejected', record: rejected, error };
}

function identityOf(input: BatchInput): StreamRecord<Uint8Array> {
  return 'kind' in input && input.kind === 'rejected' ? input.record : (input as StreamRecord<Uint8Array>);
}

function summarize(inputs: BatchInput[], records: unknown[]): KinesisEventBatch {
  const first = records[0] as Partial<KinesisStreamRecord> | undefined;
  if (inputs.length === 0) {
    return {
      inputs,
      streamArn: undefined,
      shardId: undefined,
      invokeIdentityArn: undefined,
      awsRegion: undefined,
      lastArrival: undefined,
    };
  }
  const head = identityOf(inputs[0]!);
  const { shardId, streamArn } = head;
  let shards: Set<string> | undefined;
  for (let i = 1; i < inputs.length; i++) {
    const input = inputs[i]!;
    const record =
      (input as RejectedRecord).kind === 'rejected'
        ? (input as RejectedRecord).record
        : (input as StreamRecord<Uint8Array>);
    if (record.shardId !== shardId || record.streamArn !== streamArn) {
      shards ??= new Set([`${head.streamArn} ${head.shardId}`]);
      shards.add(`${record.streamArn} ${record.shardId}`);
    }
  }
  if (shards !== undefined) {
    const listed = [...shards].slice(0, 5).join(', ');
    throw new InvalidEventError(
      `an event with records of ${shards.size} shards (${listed}${shards.size > 5 ? ', ...' : ''})`,
      'a Kinesis stream event with the records of one shard (a Lambda Kinesis event holds one shard: call the handler once per shard)',
    );
  }
  return {
    inputs,
    streamArn: head.streamArn,
    shardId: head.shardId,
    invokeIdentityArn: typeof first?.invokeIdentityArn === 'string' ? first.invokeIdentityArn : undefined,
    awsRegion: typeof first?.awsRegion === 'string' ? first.awsRegion : undefined,
    lastArrival: identityOf(inputs[inputs.length - 1]!).approximateArrivalTimestamp,
  };
}
