import { DecodeError, InvalidInputError } from '@streamshare/core';
import { fromLambdaRecord, type LambdaKinesisRecord } from '@streamshare/core/internal';
import { describe, expect, it } from 'vitest';
import { consoleTestRecord, referenceLambdaRecord } from './fixtures/lambda-event.js';

const text = (data: Uint8Array) => new TextDecoder().decode(data);

function withKinesis(patch: Record<string, unknown>): LambdaKinesisRecord {
  const record = referenceLambdaRecord();
  return { ...record, kinesis: { ...record.kinesis, ...patch } } as LambdaKinesisRecord;
}

describe('fromLambdaRecord', () => {
  it('normalizes the reference scenario record', () => {
    const record = fromLambdaRecord(referenceLambdaRecord());
    expect(record).toEqual({
      streamArn: 'arn:aws:kinesis:us-east-1:999900009999:stream/kds-sharing-example1',
      shardId: 'shardId-000000000000',
      partitionKey: 'DUMMY1',
      sequenceNumber: '49649683864473953433843496278632352517587667908684677122',
      approximateArrivalTimestamp: new Date('2024-02-28T06:15:11.667Z'),
      data: expect.any(Uint8Array),
    });
    expect(text(record.data)).toBe('{"this_is": "test record"}');
    expect(record.approximateArrivalTimestamp.getTime()).toBe(1709100911667);
    expect(record.subSequenceNumber).toBeUndefined();
    expect(Buffer.isBuffer(record.data)).toBe(false);
  });

  it('normalizes the console test event', () => {
    const record = fromLambdaRecord(consoleTestRecord());
    expect(text(record.data)).toBe('Hello, this is a test.');
    expect(record.shardId).toBe('shardId-000000000006');
  });

  it('keeps encryptionType when present and decodes empty data', () => {
    const record = fromLambdaRecord(withKinesis({ encryptionType: 'KMS', data: '' }));
    expect(record.encryptionType).toBe('KMS');
    expect(record.data).toHaveLength(0);
  });

  it.each([
    ['not base64!'],
    ['eyJ0aGlzX2lzIjogInRlc3QgcmVjb3JkIn0'], // missing padding
    ['eyJ0aGlz X2lz'], // whitespace
    ['eyJ0aGlzX2lz-_=='], // URL-safe alphabet
    ['ab=c'], // padding in the middle
    ['QR=='], // non-zero trailing bits
  ])('rejects invalid base64 %j with a DecodeError naming the record', (data) => {
    let caught: unknown;
    try {
      fromLambdaRecord(withKinesis({ data }));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DecodeError);
    const error = caught as DecodeError;
    expect(error.codec).toBe('base64');
    expect(error.code).toBe('DECODE_FAILED');
    expect(error.record).toEqual({
      streamArn: 'arn:aws:kinesis:us-east-1:999900009999:stream/kds-sharing-example1',
      shardId: 'shardId-000000000000',
      partitionKey: 'DUMMY1',
      sequenceNumber: '49649683864473953433843496278632352517587667908684677122',
    });
    expect(error.message).toContain('not valid base64');
  });

  it.each([
    [{ kinesis: undefined }, /kinesis should be an object, got nothing/],
    [withKinesis({ data: 42 }), /kinesis\.data should be a base64 string, got number 42/],
    [withKinesis({ partitionKey: undefined }), /kinesis\.partitionKey should be a string, got nothing/],
    [withKinesis({ sequenceNumber: 'abc' }), /kinesis\.sequenceNumber should be a decimal string/],
    [withKinesis({ approximateArrivalTimestamp: '1709100911.667' }), /approximateArrivalTimestamp should be a number/],
    [withKinesis({ encryptionType: 'AES' }), /encryptionType should be "NONE" or "KMS"/],
    [{ eventID: 'no-colon' }, /eventID should be a string "<shardId>:<sequenceNumber>", got string "no-colon"/],
    [
      { eventSourceARN: undefined },
      /eventSourceARN should be a Kinesis stream ARN \(or an enhanced fan-out consumer ARN\), got nothing/,
    ],
  ])('rejects a malformed record (%#) with InvalidInputError', (patch, message) => {
    const input = 'kinesis' in patch && patch.kinesis !== undefined ? patch : { ...referenceLambdaRecord(), ...patch };
    expect(() => fromLambdaRecord(input as LambdaKinesisRecord)).toThrow(message);
    expect(() => fromLambdaRecord(input as LambdaKinesisRecord)).toThrow(InvalidInputError);
  });

  it('rejects something that is not a record at all', () => {
    expect(() => fromLambdaRecord(null as never)).toThrow(/the record should be an object, got null/);
  });

  it.each([['ABC'], ['12a'], [' 1'], ['-1'], ['1e5'], ['01'], ['1'.repeat(130)]])(
    'rejects the sequence number %j: it could not be named in batchItemFailures',
    (sequenceNumber) => {
      expect(() => fromLambdaRecord(withKinesis({ sequenceNumber }))).toThrow(
        /kinesis\.sequenceNumber should be a decimal string/,
      );
    },
  );

  it('takes every sequence number Kinesis can give (0, up to 129 digits)', () => {
    for (const sequenceNumber of [
      '0',
      '7',
      '1'.repeat(129),
      '49649683864473953433843496278632352517587667908684677122',
    ]) {
      expect(fromLambdaRecord(withKinesis({ sequenceNumber })).sequenceNumber).toBe(sequenceNumber);
    }
  });

  it.each([
    ['arn:aws:kinesis:EXAMPLE'],
    ['arn:aws:kinesis:us-east-1:9999:stream/x'],
    ['arn:aws:kinesis:us-east-1:ZZZZZZZZZZZZ:stream/x'],
    ['arn:aws-cn:kinesis:cn-north-1:1234567890123:stream/x'],
  ])('accepts the placeholder eventSourceARN %j of test events (console, SAM, libraries)', (eventSourceARN) => {
    expect(fromLambdaRecord({ ...referenceLambdaRecord(), eventSourceARN }).streamArn).toBe(eventSourceARN);
  });

  it.each([
    ['arn:aws:sqs:us-east-1:111122223333:my-queue'],
    ['arn:aws:kinesis:us-east-1:999900009999:deliverystream/x'],
    ['arn:aws:kinesis:us-east-1:999900009999:stream/'],
    ['arn:aws:dynamodb:us-east-1:999900009999:table/t/stream/2024'],
    ['arn:'],
    ['kds-sharing-example1'],
    ['arn:aws:kinesis:us-east-1:999900009999'],
    ['arn:aws:kinesis:'],
  ])('rejects the eventSourceARN %j: not a Kinesis stream', (eventSourceARN) => {
    const record = { ...referenceLambdaRecord(), eventSourceARN };
    expect(() => fromLambdaRecord(record)).toThrow(/eventSourceARN should be a Kinesis stream ARN/);
    expect(() => fromLambdaRecord(record)).toThrow(InvalidInputError);
  });

  it('takes stream ARNs of every partition', () => {
    for (const eventSourceARN of [
      'arn:aws:kinesis:us-east-1:999900009999:stream/kds-sharing-example1',
      'arn:aws-cn:kinesis:cn-north-1:999900009999:stream/a.b_c-d',
      'arn:aws-us-gov:kinesis:us-gov-west-1:999900009999:stream/x',
    ]) {
      expect(fromLambdaRecord({ ...referenceLambdaRecord(), eventSourceARN }).streamArn).toBe(eventSourceARN);
    }
  });

  it('names a field holding an object without turning the object into text', () => {
    const record = withKinesis({ partitionKey: Object.create(null) });
    expect(() => fromLambdaRecord(record)).toThrow(
      /kinesis\.partitionKey should be a string, got object \(an object\)/,
    );
  });
});
