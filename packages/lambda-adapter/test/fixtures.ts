import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import { createLogger } from '@streamshare/core';
import { consoleTestKinesisEvent, referenceKinesisEvent } from '@streamshare/testkit';
import type { Context, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import type { Logger } from 'pino';

/** The reference scenario's Lambda event of DESIGN.md, verbatim. */
export const REFERENCE_EVENT: KinesisStreamEvent = referenceKinesisEvent();

/** The Lambda console's Kinesis test event (template "kinesis-get-records"): plain-text data. */
export const CONSOLE_TEST_EVENT: KinesisStreamEvent = consoleTestKinesisEvent();

export const STREAM_ARN = 'arn:aws:kinesis:us-east-1:999900009999:stream/kds-sharing-example1';
export const ROLE_ARN = 'arn:aws:iam::888800008888:role/service-role/kds-reader1-role-q6zcv9kq';
export const SHARD = 'shardId-000000000000';

const BASE_SEQUENCE = 49649683864473953433843496278632352517587667908684677122n;

/** The i-th sequence number of a shard (56 digits, increasing). */
export function seq(i: number): string {
  return (BASE_SEQUENCE + BigInt(i) * 1_000_000n).toString();
}

/** What a test record is made of. */
export interface RecordSpec {
  /** Payload: bytes, text, or a value sent as JSON. */
  readonly data?: Uint8Array | string | number | boolean | object;
  /** Base64 text used as is (for records whose data is not base64). */
  readonly rawData?: string;
  readonly key?: string;
  readonly sequenceNumber?: string;
  readonly shardId?: string;
  readonly streamArn?: string;
  /** Arrival time, epoch ms. */
  readonly arrival?: number;
}

function bytesOf(data: RecordSpec['data']): Buffer {
  if (data === undefined) return Buffer.from('{}');
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (data instanceof Uint8Array) return Buffer.from(data);
  return Buffer.from(JSON.stringify(data), 'utf8');
}

/** A record of a Lambda Kinesis event, as Lambda delivers it. */
export function lambdaRecord(spec: RecordSpec, index = 0): KinesisStreamRecord {
  const sequenceNumber = spec.sequenceNumber ?? seq(index);
  const shardId = spec.shardId ?? SHARD;
  const streamArn = spec.streamArn ?? STREAM_ARN;
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: spec.key ?? 'key-0',
      sequenceNumber,
      data: spec.rawData ?? bytesOf(spec.data).toString('base64'),
      approximateArrivalTimestamp: (spec.arrival ?? 1_709_100_911_667 + index) / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${shardId}:${sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: ROLE_ARN,
    awsRegion: streamArn.split(':')[3]!,
    eventSourceARN: streamArn,
  };
}

/** A Lambda Kinesis event of the given records (sequence numbers seq(0), seq(1), ... unless given). */
export function kinesisEvent(specs: readonly RecordSpec[]): KinesisStreamEvent {
  return { Records: specs.map((spec, i) => lambdaRecord(spec, i)) };
}

/** A Lambda context whose remaining time shrinks with the clock, from `remainingMs` now. */
export function fakeContext(remainingMs = 60_000, awsRequestId = 'req-0001'): Context {
  const end = Date.now() + remainingMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'kds-reader1',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:888800008888:function:kds-reader1',
    memoryLimitInMB: '128',
    awsRequestId,
    logGroupName: '/aws/lambda/kds-reader1',
    logStreamName: '2024/02/28/[$LATEST]0123456789abcdef',
    getRemainingTimeInMillis: () => Math.max(0, end - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** A logger (core's createLogger, so with its redaction) whose lines are kept as parsed JSON and raw text. */
export function captureLogger(level: 'info' | 'debug' = 'info'): {
  logger: Logger;
  lines: Record<string, unknown>[];
  raw: () => string;
} {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  const logger = createLogger({ level, name: 'test', destination: destination as never });
  return {
    logger,
    get lines() {
      return chunks
        .join('')
        .split('\n')
        .filter((line) => line.length > 0)
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    },
    raw: () => chunks.join(''),
  };
}

const require = createRequire(import.meta.url);
const agg: {
  aggregate(
    records: { partitionKey: string; explicitHashKey?: string; data: Buffer }[],
    onEncoded: (encoded: { partitionKey: string; data: Buffer }, done: (error?: Error) => void) => void,
    afterAll: () => void,
    onError: (error: Error) => void,
  ): void;
} = require('aws-kinesis-agg');

/** One KPL aggregate of the given user records, built by aws-kinesis-agg's `aggregate`. */
export function kplAggregate(
  users: { key: string; data: RecordSpec['data']; explicitHashKey?: string }[],
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    agg.aggregate(
      users.map((user) => ({
        partitionKey: user.key,
        data: bytesOf(user.data),
        ...(user.explicitHashKey === undefined ? {} : { explicitHashKey: user.explicitHashKey }),
      })),
      (encoded, done) => {
        out.push(encoded.data);
        done();
      },
      () => (out.length === 1 ? resolve(out[0]!) : reject(new Error(`expected one aggregate, got ${out.length}`))),
      reject,
    );
  });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A silent logger for tests that do not look at logs. */
export const quiet: Logger = createLogger({ level: 'silent' });
