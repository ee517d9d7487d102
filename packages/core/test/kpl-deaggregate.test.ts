import { randomBytes } from 'node:crypto';
import { deaggregate, KplAggregateError, type StreamRecord } from '@streamshare/core';
import { isAggregated } from '@streamshare/core/internal';
import { describe, expect, it } from 'vitest';
import {
  type AwsUserRecord,
  agg,
  aggregateWithAwsLib,
  encodeAggregate,
  field,
  frame,
  kinesisRecord,
  type UserRecordInput,
  varint,
} from './fixtures/kpl.js';

const enc = new TextEncoder();

function expectCorrupt(record: StreamRecord<Uint8Array>, reason: string): KplAggregateError {
  let caught: unknown;
  try {
    deaggregate(record);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(KplAggregateError);
  const error = caught as KplAggregateError;
  expect(error.reason).toBe(reason);
  expect(error.code).toBe('AGGREGATE_CORRUPT');
  expect(error.retryable).toBe(false);
  expect(error.record.sequenceNumber).toBe(record.sequenceNumber);
  expect(error.message).toContain(record.sequenceNumber);
  return error;
}

function awsDeaggregate(data: Uint8Array, sequenceNumber: string): AwsUserRecord[] {
  let result: AwsUserRecord[] | undefined;
  let failure: unknown;
  agg.deaggregateSync({ Data: data, PartitionKey: 'outer-key', SequenceNumber: sequenceNumber }, true, (err, out) => {
    if (err) failure = err;
    else result = out;
  });
  if (failure) throw failure;
  return result!;
}

describe('deaggregate', () => {
  it('passes a plain record through unchanged', () => {
    const record = kinesisRecord(enc.encode('{"plain":true}'));
    const out = deaggregate(record);
    expect(out).toHaveLength(1);
    expect(out[0]).toBe(record);
    expect(isAggregated(record.data)).toBe(false);
  });

  it('expands aggregates built by aws-kinesis-agg, matching its own deaggregateSync', async () => {
    const inputs: UserRecordInput[] = Array.from({ length: 500 }, (_, i) => ({
      partitionKey: `key-${i % 7}-é`,
      data: Buffer.from(JSON.stringify({ i, pad: 'x'.repeat(i % 50) })),
    }));
    const aggregates = await aggregateWithAwsLib(inputs);
    expect(aggregates).toHaveLength(1);
    const record = kinesisRecord(aggregates[0]!.data, { encryptionType: 'KMS' });
    expect(isAggregated(record.data)).toBe(true);
    const out = deaggregate(record);
    expect(out).toHaveLength(500);
    out.forEach((user, i) => {
      expect(user.subSequenceNumber).toBe(i);
      expect(user.aggregateSize).toBe(500);
      expect(user.sequenceNumber).toBe(record.sequenceNumber);
      expect(user.streamArn).toBe(record.streamArn);
      expect(user.shardId).toBe(record.shardId);
      expect(user.approximateArrivalTimestamp).toBe(record.approximateArrivalTimestamp);
      expect(user.encryptionType).toBe('KMS');
      expect(user.partitionKey).toBe(inputs[i]!.partitionKey);
      expect(user.explicitHashKey).toBeUndefined();
      expect(Buffer.from(user.data).equals(inputs[i]!.data)).toBe(true);
      // a view into the aggregate, not a copy
      expect(user.data.buffer).toBe(record.data.buffer);
    });
    const theirs = awsDeaggregate(record.data, record.sequenceNumber);
    expect(out.map((u) => [u.partitionKey, u.subSequenceNumber, Buffer.from(u.data).toString('base64')])).toEqual(
      theirs.map((u) => [u.PartitionKey, u.SubSequenceNumber, u.Data]),
    );
  });

  it('reads explicit hash keys from their table', async () => {
    const inputs: UserRecordInput[] = [
      { partitionKey: 'a', explicitHashKey: '170141183460469231731687303715884105728', data: Buffer.from('one') },
      { partitionKey: 'b', data: Buffer.from('two') },
      { partitionKey: 'a', explicitHashKey: '85070591730234615865843651857942052864', data: Buffer.from('three') },
      { partitionKey: 'c', explicitHashKey: '170141183460469231731687303715884105728', data: Buffer.from('four') },
    ];
    const [aggregate] = await aggregateWithAwsLib(inputs);
    const out = deaggregate(kinesisRecord(aggregate!.data));
    expect(out.map((u) => [u.partitionKey, u.explicitHashKey, Buffer.from(u.data).toString()])).toEqual([
      ['a', '170141183460469231731687303715884105728', 'one'],
      ['b', undefined, 'two'],
      ['a', '85070591730234615865843651857942052864', 'three'],
      ['c', '170141183460469231731687303715884105728', 'four'],
    ]);
  });

  it('reads the key tables as encoded (aws-kinesis-agg reorders integer-like keys; both decoders agree)', async () => {
    // aws-kinesis-agg builds its tables with Object.keys, which lists integer-like keys first: the
    // indexes of "10" and "2" end up swapped in the aggregate it writes. A decoder can only read the table as encoded.
    const [aggregate] = await aggregateWithAwsLib([
      { partitionKey: '10', data: Buffer.from('a') },
      { partitionKey: '2', data: Buffer.from('b') },
    ]);
    const out = deaggregate(kinesisRecord(aggregate!.data));
    const theirs = awsDeaggregate(aggregate!.data, '1');
    expect(out.map((u) => u.partitionKey)).toEqual(theirs.map((u) => u.PartitionKey));
  });

  it('splits ~1 MB aggregates like the KPL and expands every one of them', async () => {
    const inputs: UserRecordInput[] = Array.from({ length: 12_000 }, (_, i) => ({
      partitionKey: `pk-${i % 100}`,
      data: randomBytes(200),
    }));
    const aggregates = await aggregateWithAwsLib(inputs);
    expect(aggregates.length).toBeGreaterThan(1);
    const out = aggregates.flatMap((a, n) => deaggregate(kinesisRecord(a.data, { sequenceNumber: String(1000 + n) })));
    expect(out).toHaveLength(inputs.length);
    out.forEach((user, i) => {
      expect(user.partitionKey).toBe(inputs[i]!.partitionKey);
      expect(Buffer.from(user.data).equals(inputs[i]!.data)).toBe(true);
    });
  });

  it('works on a view into a larger buffer (byteOffset != 0)', () => {
    const framed = frame(encodeAggregate(['k'], [], [{ pk: 0, data: enc.encode('hello') }]));
    const big = new Uint8Array(framed.length + 10);
    big.set(framed, 7);
    const out = deaggregate(kinesisRecord(big.subarray(7, 7 + framed.length)));
    expect(out).toHaveLength(1);
    expect(new TextDecoder().decode(out[0]!.data)).toBe('hello');
  });

  it('skips tags and unknown fields', () => {
    const body = [
      ...field(15, 0, varint(1)), // unknown varint field
      ...encodeAggregate(['k'], ['9'], [{ pk: 0, ehk: 0, data: enc.encode('x'), tags: [{ key: 't', value: 'v' }] }]),
      ...field(9, 5, [1, 2, 3, 4]), // unknown fixed32
      ...field(10, 1, [1, 2, 3, 4, 5, 6, 7, 8]), // unknown fixed64
    ];
    const out = deaggregate(kinesisRecord(frame(body)));
    expect(out.map((u) => [u.partitionKey, u.explicitHashKey, u.data.length])).toEqual([['k', '9', 1]]);
  });

  it('accepts tables placed after the records', () => {
    const records = [{ pk: 1, data: enc.encode('a') }];
    const body = [
      ...encodeAggregate([], [], records),
      ...field(1, 2, enc.encode('k0')),
      ...field(1, 2, enc.encode('k1')),
    ];
    expect(deaggregate(kinesisRecord(frame(body)))[0]!.partitionKey).toBe('k1');
  });

  it('gives no user records for an aggregate of none', () => {
    expect(deaggregate(kinesisRecord(frame([])))).toEqual([]);
  });

  describe('corrupt aggregates', () => {
    const good = () => frame(encodeAggregate(['k'], [], [{ pk: 0, data: enc.encode('hello world') }]));

    it('rejects a wrong checksum', async () => {
      const [aggregate] = await aggregateWithAwsLib([{ partitionKey: 'k', data: Buffer.from('payload') }]);
      const data = Uint8Array.from(aggregate!.data);
      data[data.length - 1]! ^= 0xff;
      expectCorrupt(kinesisRecord(data), 'CHECKSUM_MISMATCH');
    });

    it('rejects a flipped bit in the message', () => {
      const data = good();
      data[10]! ^= 0x01;
      expectCorrupt(kinesisRecord(data), 'CHECKSUM_MISMATCH');
    });

    it('rejects an aggregate cut short (checksum no longer matches)', () => {
      const data = good();
      expectCorrupt(kinesisRecord(data.subarray(0, data.length - 5)), 'CHECKSUM_MISMATCH');
    });

    it('rejects a record too short for the trailer', () => {
      expectCorrupt(kinesisRecord(Uint8Array.of(0xf3, 0x89, 0x9a, 0xc2, 1, 2, 3)), 'TRUNCATED');
    });

    it('rejects a truncated protobuf with a valid checksum', () => {
      const body = encodeAggregate(['k'], [], [{ pk: 0, data: enc.encode('hello world') }]);
      const error = expectCorrupt(kinesisRecord(frame(body.slice(0, body.length - 3))), 'TRUNCATED');
      expect(error.message).toMatch(/past the end/);
    });

    it('rejects a user record whose data runs past its record', () => {
      const inner = [...field(1, 0, varint(0)), 0x1a, 50, ...enc.encode('short')];
      const body = [...field(1, 2, enc.encode('k')), ...field(3, 2, inner)];
      expectCorrupt(kinesisRecord(frame(body)), 'TRUNCATED');
    });

    it('rejects a varint that runs off the end', () => {
      expectCorrupt(kinesisRecord(frame([0x0a, 0xff, 0xff])), 'TRUNCATED');
    });

    it('rejects a bad partition key index', () => {
      const body = encodeAggregate(
        ['k'],
        [],
        [
          { pk: 0, data: enc.encode('a') },
          { pk: 3, data: enc.encode('b') },
        ],
      );
      const error = expectCorrupt(kinesisRecord(frame(body)), 'BAD_TABLE_INDEX');
      expect(error.message).toContain('user record 1 has partition key index 3');
    });

    it('rejects a bad explicit hash key index', () => {
      const body = encodeAggregate(['k'], ['1'], [{ pk: 0, ehk: 1, data: enc.encode('a') }]);
      expectCorrupt(kinesisRecord(frame(body)), 'BAD_TABLE_INDEX');
    });

    it('rejects a huge (uint64) index', () => {
      const body = encodeAggregate(['k'], [], [{ pk: (2n ** 63n) as unknown as number, data: enc.encode('a') }]);
      expectCorrupt(kinesisRecord(frame(body)), 'BAD_TABLE_INDEX');
    });

    it('rejects an overlong varint', () => {
      expectCorrupt(kinesisRecord(frame([0x0a, ...Array(11).fill(0x80), 0x01])), 'MALFORMED');
    });

    it('rejects a wrong wire type', () => {
      expectCorrupt(kinesisRecord(frame([...field(1, 0, varint(5))])), 'MALFORMED');
    });

    it('rejects a group wire type', () => {
      expectCorrupt(kinesisRecord(frame([(7 << 3) | 3])), 'MALFORMED');
    });

    it('rejects a user record without data or partition key index', () => {
      expectCorrupt(
        kinesisRecord(frame([...field(1, 2, enc.encode('k')), ...field(3, 2, field(1, 0, [0]))])),
        'MALFORMED',
      );
      expectCorrupt(
        kinesisRecord(frame([...field(1, 2, enc.encode('k')), ...field(3, 2, field(3, 2, enc.encode('x')))])),
        'MALFORMED',
      );
    });
  });
});
