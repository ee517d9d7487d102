import { InvalidInputError } from '@streamshare/core';
import { type BatchInput, ENVELOPE_TYPE, fromEnvelope } from '@streamshare/core/internal';
import type { KinesisStreamRecord } from 'aws-lambda';
import { InvalidEventError } from '../errors/invalid-event-error.js';
import { describeInput } from '../event/describe-input.js';
import { readKinesisEvent } from '../event/read-kinesis-event.js';

/**
 * The detail of an event that EventBridge Pipes puts on a bus from a Kinesis source: the pipe's
 * flat Kinesis record (base64 data, arrival time in seconds).
 */
export interface PipesKinesisRecord {
  eventSource: 'aws:kinesis';
  eventSourceARN: string;
  /** `${shardId}:${sequenceNumber}` */
  eventID: string;
  partitionKey: string;
  sequenceNumber: string;
  /** The record's bytes, base64. */
  data: string;
  approximateArrivalTimestamp: number;
  kinesisSchemaVersion?: string;
  eventVersion?: string;
  eventName?: string;
  invokeIdentityArn?: string;
  awsRegion?: string;
  encryptionType?: 'NONE' | 'KMS';
}

/** What an EventBridge handler takes, for error messages. */
export const EVENTBRIDGE_EVENT_EXPECTED =
  'an EventBridge event whose detail is a streamshare record envelope (type "streamshare.kinesis-record", from @streamshare/eventbridge-bridge) or an EventBridge Pipes Kinesis record (eventSource "aws:kinesis", eventSourceARN, eventID, partitionKey, sequenceNumber, base64 data)';

/** The record an EventBridge event carries, and where it came from. */
export interface DetailRecord {
  readonly input: BatchInput;
  /** `envelope` (from @streamshare/eventbridge-bridge) or `pipes` (EventBridge Pipes). */
  readonly format: 'envelope' | 'pipes';
  /** The role that read the stream, when the detail says (Pipes records do). */
  readonly invokeIdentityArn: string | undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Turns the detail of an EventBridge event into one record: a streamshare envelope is unwrapped
 * with core's `fromEnvelope`; a Pipes Kinesis record is normalized like a Lambda Kinesis record
 * (data that is not base64 makes it a rejected record, which fails as a record).
 *
 * @param received how the event is described in errors (`an EventBridge event (source ..., detail-type ...)`).
 * @throws InvalidEventError when the detail is neither, naming what it is.
 */
export function readDetail(detail: unknown, received: string): DetailRecord {
  if (isObject(detail) && detail.type === ENVELOPE_TYPE) {
    try {
      return { input: fromEnvelope(detail), format: 'envelope', invokeIdentityArn: undefined };
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      throw new InvalidEventError(`${received} whose detail is a malformed envelope`, EVENTBRIDGE_EVENT_EXPECTED, {
        cause: error,
        detail: error.message,
      });
    }
  }
  if (isObject(detail) && detail.eventSource === 'aws:kinesis' && !('kinesis' in detail)) {
    const pipes = detail as unknown as PipesKinesisRecord;
    const record = {
      kinesis: {
        kinesisSchemaVersion: pipes.kinesisSchemaVersion ?? '1.0',
        partitionKey: pipes.partitionKey,
        sequenceNumber: pipes.sequenceNumber,
        data: pipes.data,
        approximateArrivalTimestamp: pipes.approximateArrivalTimestamp,
        ...(pipes.encryptionType === undefined ? {} : { encryptionType: pipes.encryptionType }),
      },
      eventSource: 'aws:kinesis',
      eventVersion: pipes.eventVersion ?? '1.0',
      eventID: pipes.eventID,
      eventName: pipes.eventName ?? 'aws:kinesis:record',
      invokeIdentityArn: pipes.invokeIdentityArn ?? '',
      awsRegion: pipes.awsRegion ?? '',
      eventSourceARN: pipes.eventSourceARN,
    } as KinesisStreamRecord;
    const batch = readKinesisEvent(
      { Records: [record] },
      `${EVENTBRIDGE_EVENT_EXPECTED}; the detail looks like a Pipes Kinesis record but is malformed`,
    );
    return {
      input: batch.inputs[0]!,
      format: 'pipes',
      invokeIdentityArn: typeof pipes.invokeIdentityArn === 'string' ? pipes.invokeIdentityArn : undefined,
    };
  }
  throw new InvalidEventError(`${received} whose detail is ${describeDetail(detail)}`, EVENTBRIDGE_EVENT_EXPECTED);
}

function describeDetail(detail: unknown): string {
  if (isObject(detail) && isObject(detail.kinesis)) {
    return 'a Lambda Kinesis record (with a kinesis field): send it to kinesisHandler, or forward records with @streamshare/eventbridge-bridge';
  }
  return describeInput(detail);
}
