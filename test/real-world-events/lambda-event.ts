import type { StreamRecord } from '@streamshare/core';
import { expect } from 'vitest';

/** The fields of a Lambda Kinesis record the suite reads from a payload. */
export interface LambdaRecord {
  readonly kinesis: {
    readonly partitionKey: string;
    readonly sequenceNumber: string;
    readonly data: string;
    readonly approximateArrivalTimestamp: number;
  };
  readonly eventSource: string;
  readonly eventID: string;
  readonly eventSourceARN: string;
}

/** A Lambda Kinesis event as the payloads hold it. */
export interface LambdaEvent {
  readonly Records: readonly LambdaRecord[];
}

/**
 * The identity a handler must see for the Lambda record `source`, read from the payload here:
 * partition key, sequence number (no subsequence: not an aggregate), shard (the part of `eventID`
 * before the colon), stream (`eventSourceARN`), arrival time (seconds to a Date).
 */
export function expectIdentityOf(record: StreamRecord<unknown>, source: LambdaRecord): void {
  expect(record.partitionKey).toBe(source.kinesis.partitionKey);
  expect(record.sequenceNumber).toBe(source.kinesis.sequenceNumber);
  expect(record.subSequenceNumber).toBeUndefined();
  expect(record.shardId).toBe(source.eventID.slice(0, source.eventID.indexOf(':')));
  expect(record.streamArn).toBe(source.eventSourceARN);
  expect(record.approximateArrivalTimestamp.getTime()).toBe(
    Math.round(source.kinesis.approximateArrivalTimestamp * 1000),
  );
}

/** JSON of a text when it parses, else the text: what the `auto` codec is documented to give for UTF-8 data. */
export function jsonOrText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
