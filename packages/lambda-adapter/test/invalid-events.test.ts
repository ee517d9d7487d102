import { InvalidInputError, StreamshareError } from '@streamshare/core';
import { InvalidEventError, kinesisHandler } from '@streamshare/lambda-adapter';
import { describe, expect, it } from 'vitest';
import { captureLogger, fakeContext, kinesisEvent, lambdaRecord, quiet, REFERENCE_EVENT, seq } from './fixtures.js';

const SQS_EVENT = {
  Records: [
    {
      messageId: '059f36b4-87a3-44ab-83d2-661975830a7d',
      receiptHandle: 'AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a...',
      body: 'test',
      attributes: {},
      messageAttributes: {},
      md5OfBody: '098f6bcd4621d373cade4e832627b4f6',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:111122223333:my-queue',
      awsRegion: 'us-east-1',
    },
  ],
};

const EVENTBRIDGE_EVENT = {
  version: '0',
  id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '123456789012',
  time: '2015-10-08T16:53:06Z',
  region: 'us-east-1',
  resources: ['arn:aws:events:us-east-1:123456789012:rule/my-scheduled-rule'],
  detail: {},
};

const handler = kinesisHandler(() => undefined, { logger: quiet });

async function rejection(event: unknown): Promise<InvalidEventError> {
  const error = await handler(event as never, fakeContext()).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(InvalidEventError);
  expect(error).toBeInstanceOf(InvalidInputError);
  expect(error).toBeInstanceOf(StreamshareError);
  const invalid = error as InvalidEventError;
  expect(invalid.code).toBe('INVALID_EVENT');
  expect(invalid.retryable).toBe(false);
  expect(invalid.message).toContain('expected a Kinesis stream event');
  return invalid;
}

describe('kinesisHandler: events that are not Kinesis events', () => {
  it('names an SQS event', async () => {
    const error = await rejection(SQS_EVENT);
    expect(error.received).toBe('an SQS event (Records[0].eventSource aws:sqs)');
    expect(error.message).toContain('an SQS event (Records[0].eventSource aws:sqs)');
  });

  it('names an EventBridge event', async () => {
    const error = await rejection(EVENTBRIDGE_EVENT);
    expect(error.received).toBe('an EventBridge event (source "aws.events", detail-type "Scheduled Event")');
  });

  it('names an empty object', async () => {
    expect((await rejection({})).received).toBe('an empty object ({})');
  });

  it('names null, undefined, a string, a number and an array', async () => {
    expect((await rejection(null)).received).toBe('null');
    expect((await rejection(undefined)).received).toBe('undefined');
    expect((await rejection('garbage')).received).toBe('a string "garbage"');
    expect((await rejection(42)).received).toBe('a number (42)');
    expect((await rejection([1, 2])).received).toBe('an array of 2 item(s)');
  });

  it('names an object with other keys, and Records that is not an array', async () => {
    expect((await rejection({ foo: 1, bar: 2 })).received).toBe('an object with keys foo, bar');
    expect((await rejection({ Records: 'x' })).received).toBe('an object whose Records is a string "x"');
    // Records inside Records, 100,000 deep (valid JSON of about 1.3 MB): described to a bounded depth, no RangeError.
    let nested: unknown = 'x';
    for (let i = 0; i < 100_000; i++) nested = { Records: nested };
    const deep = await rejection(nested);
    expect(deep.received).toMatch(/^an object whose Records is an object whose Records is .*nested too deep/);
  });

  it('names a DynamoDB Streams event and an SNS event', async () => {
    expect((await rejection({ Records: [{ eventSource: 'aws:dynamodb' }] })).received).toBe(
      'a DynamoDB Streams event (Records[0].eventSource aws:dynamodb)',
    );
    expect((await rejection({ Records: [{ EventSource: 'aws:sns' }] })).received).toBe(
      'an SNS event (Records[0].EventSource aws:sns)',
    );
  });

  it('fails a record of another source after Kinesis records as that record, after the records before it', async () => {
    const seen: unknown[] = [];
    const collecting = kinesisHandler((record) => void seen.push(record.data), { logger: quiet });
    const event = { Records: [lambdaRecord({ data: 1 }, 0), { eventSource: 'aws:sqs' }] };
    const error = await collecting(event as never, fakeContext()).catch((e: unknown) => e);
    expect(seen).toEqual([1]);
    // It has no sequence number that batchItemFailures could name: the handler throws instead.
    expect(error).toBeInstanceOf(InvalidEventError);
    expect((error as InvalidEventError).code).toBe('INVALID_EVENT');
    expect((error as InvalidEventError).received).toBe(
      'a Kinesis event whose Records[1] has no valid kinesis.sequenceNumber (none) and could not be done',
    );
    expect((error as Error).message).toContain('Lambda retries the whole batch');
    expect((error as Error).message).toContain('Records[1]: not a Lambda Kinesis record: kinesis should be an object');
  });

  it('names a malformed Kinesis record and the field at fault', async () => {
    const record = lambdaRecord({ data: 1 }, 0) as unknown as { kinesis: Record<string, unknown> };
    delete record.kinesis.sequenceNumber;
    const error = await rejection({ Records: [record] });
    expect(error.received).toBe('a Kinesis event whose Records[0] is malformed');
    expect(error.message).toContain('kinesis.sequenceNumber');
    expect((error.cause as { code?: string }).code).toBe('INVALID_LAMBDA_RECORD');
  });

  it('fails a record of another shard as that record: the records before it are done, it is reported', async () => {
    const seen: unknown[] = [];
    const capture = captureLogger();
    const collecting = kinesisHandler((record) => void seen.push(record.data), { logger: capture.logger });
    const event = kinesisEvent([{ data: 1 }, { data: 2, shardId: 'shardId-000000000001' }, { data: 3 }]);
    await expect(collecting(event, fakeContext())).resolves.toEqual({
      batchItemFailures: [{ itemIdentifier: seq(1) }],
    });
    expect(seen).toEqual([1]);
    const line = capture.lines.find((l) => l.failedRecord !== undefined) as { failedRecord: Record<string, unknown> };
    expect(line.failedRecord).toMatchObject({
      sequenceNumber: seq(1),
      reason: 'decode',
      code: 'INVALID_LAMBDA_RECORD',
    });
    expect(String(line.failedRecord.error)).toContain('Records[1] has eventID "shardId-000000000001:');
    expect(String(line.failedRecord.error)).toContain('one shard');
  });

  it('fails a record of another stream as that record', async () => {
    const event = kinesisEvent([
      { data: 1 },
      { data: 2, streamArn: 'arn:aws:kinesis:us-east-1:999900009999:stream/other' },
    ]);
    await expect(handler(event, fakeContext())).resolves.toEqual({ batchItemFailures: [{ itemIdentifier: seq(1) }] });
  });

  it('dead-letters a malformed record after the first and goes on', async () => {
    const seen: unknown[] = [];
    const dead: { sequenceNumber: string; message: string }[] = [];
    const collecting = kinesisHandler((record) => void seen.push(record.data), {
      logger: quiet,
      deadLetter: async (record, error) => {
        dead.push({ sequenceNumber: record.sequenceNumber, message: (error as Error).message });
      },
    });
    const event = kinesisEvent([{ data: 1 }, { data: 2 }, { data: 3 }]);
    (event.Records[1] as unknown as { kinesis: { partitionKey: unknown } }).kinesis.partitionKey = 42;
    await expect(collecting(event, fakeContext())).resolves.toEqual({ batchItemFailures: [] });
    expect(seen).toEqual([1, 3]);
    expect(dead).toEqual([
      {
        sequenceNumber: seq(1),
        message: expect.stringContaining(
          'Records[1]: not a Lambda Kinesis record: kinesis.partitionKey should be a string, got number 42',
        ),
      },
    ]);
  });

  it('logs what arrived, without the payload', async () => {
    const capture = captureLogger();
    const logged = kinesisHandler(() => undefined, { logger: capture.logger });
    await expect(logged(SQS_EVENT as never, fakeContext())).rejects.toThrow(InvalidEventError);
    expect(capture.lines).toHaveLength(1);
    expect(capture.lines[0]).toMatchObject({
      level: 50,
      code: 'INVALID_EVENT',
      received: 'an SQS event (Records[0].eventSource aws:sqs)',
    });
    expect(capture.raw()).not.toContain('AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a');
  });

  it('fails a later record whose sequence number is not a Kinesis one: it is never reported as "ABC"', async () => {
    for (const bad of ['ABC', '12a', '007', '1'.repeat(130)]) {
      const seen: unknown[] = [];
      const collecting = kinesisHandler((record) => void seen.push(record.data), { logger: quiet });
      const event = kinesisEvent([{ data: 1 }, { data: 2, sequenceNumber: bad }, { data: 3 }]);
      const error = await collecting(event, fakeContext()).catch((e: unknown) => e);
      expect(seen).toEqual([1]);
      expect(error).toBeInstanceOf(InvalidEventError);
      const invalid = error as InvalidEventError;
      expect(invalid.received).toContain(`Records[1] (eventID "shardId-000000000000:`);
      expect(invalid.received).toContain('has no valid kinesis.sequenceNumber');
      expect(invalid.message).toContain('kinesis.sequenceNumber should be a decimal string');
    }
  });

  it('dead-letters a later record whose sequence number is not a Kinesis one, and goes on', async () => {
    const dead: string[] = [];
    const collecting = kinesisHandler(() => undefined, {
      logger: quiet,
      deadLetter: async (record) => void dead.push(record.sequenceNumber),
    });
    const event = kinesisEvent([{ data: 1 }, { data: 2, sequenceNumber: 'ABC' }, { data: 3 }]);
    await expect(collecting(event, fakeContext())).resolves.toEqual({ batchItemFailures: [] });
    expect(dead).toEqual(['ABC']);
  });

  it('reports a later record with a valid sequence number but a bad field by its own sequence number', async () => {
    const event = kinesisEvent([{ data: 1 }, { data: 2 }, { data: 3 }]);
    (
      event.Records[1] as unknown as { kinesis: { approximateArrivalTimestamp: unknown } }
    ).kinesis.approximateArrivalTimestamp = 'soon';
    await expect(handler(event, fakeContext())).resolves.toEqual({ batchItemFailures: [{ itemIdentifier: seq(1) }] });
  });

  it('refuses an event whose first record is not of a Kinesis stream (eventSourceARN), before anything runs', async () => {
    let calls = 0;
    const counting = kinesisHandler(() => void calls++, { logger: quiet });
    const event = kinesisEvent([{ data: 1 }, { data: 2 }]);
    for (const record of event.Records) record.eventSourceARN = 'arn:aws:sqs:us-east-1:111122223333:my-queue';
    const error = await counting(event, fakeContext()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidEventError);
    expect((error as InvalidEventError).received).toBe('a Kinesis event whose Records[0] is malformed');
    expect((error as Error).message).toContain('eventSourceARN should be a Kinesis stream ARN');
    expect(calls).toBe(0);
  });

  it('refuses an event whose first record has a sequence number that is not a Kinesis one', async () => {
    const error = await rejection(kinesisEvent([{ data: 1, sequenceNumber: 'ABC' }, { data: 2 }]));
    expect(error.received).toBe('a Kinesis event whose Records[0] is malformed');
    expect(error.message).toContain('kinesis.sequenceNumber should be a decimal string');
  });

  it('still takes the reference event (sanity check of the fixture)', async () => {
    await expect(handler(structuredClone(REFERENCE_EVENT), fakeContext())).resolves.toEqual({ batchItemFailures: [] });
  });
});
