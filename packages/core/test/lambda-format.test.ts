import { InvalidInputError, type StreamRecord } from '@streamshare/core';
import { fromLambdaRecord } from '@streamshare/core/internal';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toLambdaKinesisEvent, toLambdaKinesisRecord } from '../src/lambda-format/lambda-event.js';
import { referenceLambdaRecord } from './fixtures/lambda-event.js';

describe('toLambdaKinesisEvent', () => {
  it('rebuilds the reference scenario event exactly, as Lambda delivers it', () => {
    const reference = referenceLambdaRecord();
    const event = toLambdaKinesisEvent([fromLambdaRecord(reference)], {
      invokeIdentityArn: 'arn:aws:iam::888800008888:role/service-role/kds-reader1-role-q6zcv9kq',
    });
    expect(event).toEqual({ Records: [reference] });
    // same JSON, key order included, as the consumer function logs it
    expect(JSON.stringify(event)).toBe(JSON.stringify({ Records: [reference] }));
    expect(JSON.stringify(event)).toContain('"approximateArrivalTimestamp":1709100911.667');
  });

  it('takes the region from the stream ARN unless given', () => {
    const record = fromLambdaRecord(referenceLambdaRecord());
    expect(toLambdaKinesisRecord(record).awsRegion).toBe('us-east-1');
    expect(toLambdaKinesisRecord(record).invokeIdentityArn).toBe('');
    expect(toLambdaKinesisRecord(record, { awsRegion: 'eu-west-1' }).awsRegion).toBe('eu-west-1');
  });

  it('keeps encryptionType', () => {
    const record = { ...fromLambdaRecord(referenceLambdaRecord()), encryptionType: 'KMS' as const };
    expect(toLambdaKinesisRecord(record).kinesis.encryptionType).toBe('KMS');
    expect(fromLambdaRecord(toLambdaKinesisRecord(record)).encryptionType).toBe('KMS');
  });

  it('refuses KPL user records, which Lambda never delivers', () => {
    const record = { ...fromLambdaRecord(referenceLambdaRecord()), subSequenceNumber: 0 };
    expect(() => toLambdaKinesisRecord(record)).toThrow(InvalidInputError);
    expect(() => toLambdaKinesisRecord(record)).toThrow(/pass the records before deaggregation/);
  });

  it('gives an empty event for no records', () => {
    expect(toLambdaKinesisEvent([])).toEqual({ Records: [] });
  });
});

describe('lambda format round trip (property)', () => {
  const recordArbitrary = fc.record({
    streamArn: fc
      .tuple(fc.constantFrom('us-east-1', 'eu-west-1', 'ap-southeast-2'), fc.stringMatching(/^[a-zA-Z0-9_.-]{1,128}$/))
      .map(([region, name]) => `arn:aws:kinesis:${region}:999900009999:stream/${name}`),
    shardId: fc.integer({ min: 0, max: 99_999 }).map((n) => `shardId-${String(n).padStart(12, '0')}`),
    partitionKey: fc.string({ minLength: 1, maxLength: 256 }),
    sequenceNumber: fc.bigInt({ min: 0n, max: 2n ** 128n - 1n }).map(String),
    approximateArrivalTimestamp: fc.integer({ min: 0, max: 4_102_444_800_000 }).map((ms) => new Date(ms)),
    data: fc.uint8Array({ maxLength: 512 }),
  });

  it('record -> Lambda record -> record is exact', () => {
    fc.assert(
      fc.property(recordArbitrary, (record: StreamRecord<Uint8Array>) => {
        const back = fromLambdaRecord(JSON.parse(JSON.stringify(toLambdaKinesisRecord(record))));
        expect(back).toEqual(record);
        expect(Buffer.from(back.data).equals(Buffer.from(record.data))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('Lambda record -> record -> Lambda record is exact', () => {
    fc.assert(
      fc.property(recordArbitrary, fc.constantFrom('arn:aws:iam::888800008888:role/r', ''), (record, identity) => {
        const lambda = JSON.parse(JSON.stringify(toLambdaKinesisRecord(record, { invokeIdentityArn: identity })));
        const again = toLambdaKinesisRecord(fromLambdaRecord(lambda), { invokeIdentityArn: identity });
        expect(JSON.stringify(again)).toBe(JSON.stringify(lambda));
      }),
      { numRuns: 300 },
    );
  });
});
