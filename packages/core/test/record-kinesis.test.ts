import { InvalidInputError } from '@streamshare/core';
import { fromKinesisRecord } from '@streamshare/core/internal';
import { describe, expect, it } from 'vitest';

const source = { streamArn: 'arn:aws:kinesis:eu-west-1:999900009999:stream/s', shardId: 'shardId-000000000003' };

describe('fromKinesisRecord', () => {
  it('normalizes a GetRecords record of the SDK v3 without copying the data', () => {
    const data = new TextEncoder().encode('{"a":1}');
    const at = new Date('2024-02-28T06:15:11.667Z');
    const record = fromKinesisRecord(
      { SequenceNumber: '4964', ApproximateArrivalTimestamp: at, Data: data, PartitionKey: 'k', EncryptionType: 'KMS' },
      source,
    );
    expect(record).toEqual({
      streamArn: source.streamArn,
      shardId: source.shardId,
      partitionKey: 'k',
      sequenceNumber: '4964',
      approximateArrivalTimestamp: at,
      encryptionType: 'KMS',
      data,
    });
    expect(record.data).toBe(data);
  });

  it('leaves encryptionType out when the SDK does not give it', () => {
    const record = fromKinesisRecord(
      { SequenceNumber: '1', ApproximateArrivalTimestamp: new Date(0), Data: new Uint8Array(), PartitionKey: 'k' },
      source,
    );
    expect('encryptionType' in record).toBe(false);
  });

  it.each([
    [
      { ApproximateArrivalTimestamp: new Date(0), Data: new Uint8Array(), PartitionKey: 'k' },
      /SequenceNumber should be a string, got nothing/,
    ],
    [
      { SequenceNumber: '1', ApproximateArrivalTimestamp: new Date(0), Data: 'abc', PartitionKey: 'k' },
      /Data should be a Uint8Array, got a string/,
    ],
    [
      { SequenceNumber: '1', Data: new Uint8Array(), PartitionKey: 'k' },
      /ApproximateArrivalTimestamp should be a valid Date/,
    ],
    [
      { SequenceNumber: '1', ApproximateArrivalTimestamp: new Date(0), Data: new Uint8Array() },
      /PartitionKey should be a string/,
    ],
    [
      {
        SequenceNumber: '1',
        ApproximateArrivalTimestamp: new Date(0),
        Data: new Uint8Array(),
        PartitionKey: 'k',
        EncryptionType: 'X',
      },
      /EncryptionType should be "NONE" or "KMS"/,
    ],
  ])('rejects a malformed record (%#), naming the shard and the field', (input, message) => {
    expect(() => fromKinesisRecord(input as never, source)).toThrow(message);
    expect(() => fromKinesisRecord(input as never, source)).toThrow(InvalidInputError);
    expect(() => fromKinesisRecord(input as never, source)).toThrow(/shardId-000000000003/);
  });
});
