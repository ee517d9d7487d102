import { DecodeError, fromLambdaRecord, InvalidInputError, type LambdaKinesisRecord } from '@streamshare/core';
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
    [{ eventSourceARN: undefined }, /eventSourceARN should be a Kinesis stream ARN, got nothing/],
  ])('rejects a malformed record (%#) with InvalidInputError', (patch, message) => {
    const input = 'kinesis' in patch && patch.kinesis !== undefined ? patch : { ...referenceLambdaRecord(), ...patch };
    expect(() => fromLambdaRecord(input as LambdaKinesisRecord)).toThrow(message);
    expect(() => fromLambdaRecord(input as LambdaKinesisRecord)).toThrow(InvalidInputError);
  });

  it('rejects something that is not a record at all', () => {
    expect(() => fromLambdaRecord(null as never)).toThrow(/the record should be an object, got null/);
  });
});
