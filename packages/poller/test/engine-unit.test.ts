import type { STSClient } from '@aws-sdk/client-sts';
import { kinesisRecords, MemoryCheckpointStore, type SequenceCheckpoint, type StreamRecord } from '@streamshare/core';
import { backoffDelay, parseStreamArn } from '@streamshare/core/internal';
import {
  AccessDeniedError,
  assumeRoleProvider,
  InvalidStreamArnError,
  KinesisCallError,
  StreamNotFoundError,
} from '@streamshare/poller';
import { describe, expect, it } from 'vitest';
import { readyShards } from '../src/coordination/lineage.js';
import { LocalCoordinator, SHARD_END_CHECKPOINT } from '../src/coordination/local-coordinator.js';
import { refreshTime } from '../src/credentials/assume-role.js';
import { classifyKinesisError, principalFromMessage } from '../src/errors/classify.js';
import { outcomeOfLambdaResponse } from '../src/reader/lambda-delivery.js';
import { nextCallAt, Pacer } from '../src/reader/pacer.js';
import { iteratorRequest, retryPosition } from '../src/reader/position.js';
import { recordDelivery } from '../src/reader/record-delivery.js';
import { toShardDescriptor } from '../src/shards/discover-shards.js';
import { aggregateRecords } from './helpers/kpl.js';

const ARN = 'arn:aws:kinesis:us-east-1:999900009999:stream/kds-sharing-example1';
const ctx = { action: 'GetRecords', streamArn: ARN, region: 'us-east-1' };

function sdkError(name: string, status: number, message = `${name} happened`, fault: 'client' | 'server' = 'client') {
  return Object.assign(new Error(message), { name, $fault: fault, $metadata: { httpStatusCode: status } });
}

describe('parseStreamArn', () => {
  it.each([
    [ARN, { partition: 'aws', region: 'us-east-1', account: '999900009999', streamName: 'kds-sharing-example1' }],
    [
      'arn:aws-cn:kinesis:cn-north-1:123456789012:stream/s.1_x-y',
      { partition: 'aws-cn', region: 'cn-north-1', streamName: 's.1_x-y' },
    ],
    [
      'arn:aws-us-gov:kinesis:us-gov-west-1:123456789012:stream/gov',
      { partition: 'aws-us-gov', region: 'us-gov-west-1' },
    ],
  ])('parses %s', (arn, expected) => {
    expect(parseStreamArn(arn)).toMatchObject({ ...expected, arn });
  });

  it.each([
    ['kds-sharing-example1', /not an ARN/],
    ['arn:aws:sqs:us-east-1:999900009999:queue', /service is "sqs"/],
    ['arn:aws:kinesis:us-east-1:9999:stream/x', /account "9999" is not 12 digits/],
    ['arn:aws:kinesis:useast:999900009999:stream/x', /region "useast"/],
    ['arn:aws:kinesis:us-east-1:999900009999:deliverystream/x', /resource "deliverystream\/x"/],
    ['arn:foo:kinesis:us-east-1:999900009999:stream/x', /unknown partition "foo"/],
    ['arn:aws:kinesis:us-east-1:999900009999:stream/', /stream name ""/],
  ])('refuses %s, showing the expected form and what was given', (arn, reason) => {
    let error: unknown;
    try {
      parseStreamArn(arn);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidStreamArnError);
    const e = error as InvalidStreamArnError;
    expect(e.code).toBe('INVALID_STREAM_ARN');
    expect(e.message).toMatch(reason);
    expect(e.message).toContain(JSON.stringify(arn));
    expect(e.message).toContain(
      'expected arn:<aws|aws-cn|aws-us-gov>:kinesis:<region>:<12-digit account>:stream/<stream name>',
    );
  });

  it('refuses a non-string', () => {
    expect(() => parseStreamArn(undefined)).toThrow(/invalid stream ARN nothing: a string is required/);
  });
});

describe('pacer: 5 calls/s and 2 MiB/s per shard', () => {
  it('spaces calls 200 ms apart, and waits bytes/2MiB after a large read', () => {
    expect(nextCallAt({ lastCallAt: undefined, lastBytes: 0 })).toBe(0);
    expect(nextCallAt({ lastCallAt: 1000, lastBytes: 0 })).toBe(1200);
    expect(nextCallAt({ lastCallAt: 1000, lastBytes: 100_000 })).toBe(1200);
    expect(nextCallAt({ lastCallAt: 1000, lastBytes: 10 * 1024 * 1024 })).toBe(6000);
    expect(nextCallAt({ lastCallAt: 1000, lastBytes: 1024 * 1024 })).toBe(1500);
  });

  it('counts processing time towards the wait', () => {
    let now = 10_000;
    const pacer = new Pacer(undefined, () => now);
    expect(pacer.delay()).toBe(0);
    pacer.started();
    pacer.returned(4 * 1024 * 1024);
    now += 500; // processing took 500 ms
    expect(pacer.delay()).toBe(1500);
    now += 1500;
    expect(pacer.delay()).toBe(0);
    pacer.started();
    pacer.returned(10);
    now += 50;
    expect(pacer.delay()).toBe(150);
  });
});

describe('backoffDelay', () => {
  it('grows exponentially to the cap, with jitter in the upper half', () => {
    const opts = { minMs: 100, maxMs: 1000 };
    expect(backoffDelay(1, opts, () => 0)).toBe(50);
    expect(backoffDelay(1, opts, () => 1)).toBe(100);
    expect(backoffDelay(3, opts, () => 1)).toBe(400);
    expect(backoffDelay(10, opts, () => 1)).toBe(1000);
    expect(backoffDelay(10, opts, () => 0)).toBe(500);
  });
});

describe('classifyKinesisError', () => {
  it.each([
    ['ProvisionedThroughputExceededException', 400, 'throttled', 'THROTTLED'],
    ['LimitExceededException', 400, 'throttled', 'THROTTLED'],
    ['ExpiredIteratorException', 400, 'expired-iterator', 'ITERATOR_EXPIRED'],
    ['InternalFailure', 500, 'transient', 'KINESIS_TRANSIENT'],
    ['ServiceUnavailable', 503, 'transient', 'KINESIS_TRANSIENT'],
    ['InvalidArgumentException', 400, 'fatal', 'KINESIS_CALL_FAILED'],
    ['KMSDisabledException', 400, 'fatal', 'KMS_ERROR'],
    ['KMSThrottlingException', 400, 'throttled', 'KMS_THROTTLED'],
  ])('%s (HTTP %d) is %s', (name, status, kind, code) => {
    const out = classifyKinesisError(sdkError(name, status, 'x', status >= 500 ? 'server' : 'client'), ctx);
    expect(out.kind).toBe(kind);
    expect(out.error.code).toBe(code);
    expect(out.error.retryable).toBe(kind !== 'fatal');
    expect(out.error.message).toContain('kinesis:GetRecords');
  });

  it('network errors are transient', () => {
    for (const code of ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT']) {
      const error = Object.assign(new Error(`connect ${code}`), { code, $metadata: { attempts: 1 } });
      expect(classifyKinesisError(error, ctx).kind).toBe('transient');
    }
    expect(classifyKinesisError(Object.assign(new Error('socket hang up'), { name: 'Error' }), ctx).kind).toBe(
      'transient',
    );
    expect(classifyKinesisError(new TypeError('x is not a function'), ctx).kind).toBe('fatal');
  });

  it('AccessDenied names the action, the principal (role of the session), the statement and who adds it', () => {
    const message =
      'User: arn:aws:sts::888800008888:assumed-role/kds-reader1-role-q6zcv9kq/s1 is not authorized to perform: ' +
      `kinesis:DescribeStream on resource: ${ARN} because no resource-based policy allows the kinesis:DescribeStream action`;
    const out = classifyKinesisError(sdkError('AccessDeniedException', 400, message), {
      ...ctx,
      action: 'DescribeStream',
    });
    expect(out.kind).toBe('fatal');
    const error = out.error as AccessDeniedError;
    expect(error).toBeInstanceOf(AccessDeniedError);
    expect(error.code).toBe('ACCESS_DENIED');
    expect(error.action).toBe('kinesis:DescribeStream');
    expect(error.principal).toBe('arn:aws:iam::888800008888:role/kds-reader1-role-q6zcv9kq');
    expect(error.side).toBe('stream-resource-policy');
    expect(error.statement).toEqual({
      Sid: 'StreamshareCrossAccountRead',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::888800008888:role/kds-reader1-role-q6zcv9kq' },
      Action: [
        'kinesis:DescribeStream',
        'kinesis:DescribeStreamSummary',
        'kinesis:GetRecords',
        'kinesis:GetShardIterator',
        'kinesis:ListShards',
      ],
      Resource: ARN,
    });
    expect(error.message).toContain('account 999900009999');
    expect(error.message).toContain(JSON.stringify(error.statement, null, 2));
  });

  it('AccessDenied without a principal in the message uses the configured one, or a placeholder', () => {
    const bare = classifyKinesisError(sdkError('AccessDeniedException', 400, 'Access denied'), ctx)
      .error as AccessDeniedError;
    expect(bare.principal).toBeUndefined();
    expect(bare.message).toContain('<the consumer role ARN>');
    const withRole = classifyKinesisError(sdkError('AccessDeniedException', 400, 'Access denied'), {
      ...ctx,
      principal: 'arn:aws:iam::888800008888:role/r',
    }).error as AccessDeniedError;
    expect(withRole.principal).toBe('arn:aws:iam::888800008888:role/r');
  });

  it('ResourceNotFound says to check the ARN, account and region', () => {
    const out = classifyKinesisError(sdkError('ResourceNotFoundException', 400, 'Stream x not found'), ctx);
    expect(out.error).toBeInstanceOf(StreamNotFoundError);
    expect(out.error.message).toMatch(
      /Is the ARN right, and does the stream exist in account 999900009999 and region us-east-1/,
    );
  });

  it('principalFromMessage', () => {
    expect(principalFromMessage('User: arn:aws:iam::1:user/bob is not authorized')).toBe('arn:aws:iam::1:user/bob');
    expect(principalFromMessage('nothing here')).toBeUndefined();
  });

  it('keeps streamshare errors as they are', () => {
    const error = new KinesisCallError('X', 'x', { action: 'kinesis:GetRecords', retryable: true });
    expect(classifyKinesisError(error, ctx)).toEqual({ kind: 'transient', error });
  });
});

describe('lineage', () => {
  const shards = [
    { shardId: 's0', endingSequenceNumber: '9' },
    { shardId: 's1', parentShardId: 's0', endingSequenceNumber: '9' },
    { shardId: 's2', parentShardId: 's0', endingSequenceNumber: '9' },
    { shardId: 's3', parentShardId: 's1', adjacentParentShardId: 's2' },
    { shardId: 's4', parentShardId: 'gone' },
  ];
  it('children wait for every parent; a parent no longer listed counts as finished', () => {
    expect(readyShards(shards, () => false)).toEqual(['s0', 's4']);
    expect(readyShards(shards, (id) => id === 's0')).toEqual(['s1', 's2', 's4']);
    expect(readyShards(shards, (id) => ['s0', 's1'].includes(id))).toEqual(['s2', 's4']);
    expect(readyShards(shards, (id) => ['s0', 's1', 's2'].includes(id))).toEqual(['s3', 's4']);
  });

  it('toShardDescriptor maps DescribeStream/ListShards shards', () => {
    expect(
      toShardDescriptor({
        ShardId: 'shardId-000000000003',
        ParentShardId: 'shardId-000000000001',
        AdjacentParentShardId: 'shardId-000000000002',
        HashKeyRange: { StartingHashKey: '0', EndingHashKey: '1' },
        SequenceNumberRange: { StartingSequenceNumber: '1', EndingSequenceNumber: '5' },
      }),
    ).toEqual({
      shardId: 'shardId-000000000003',
      parentShardId: 'shardId-000000000001',
      adjacentParentShardId: 'shardId-000000000002',
      endingSequenceNumber: '5',
    });
  });

  it('LocalCoordinator: markFinished persists, so a restart starts the children at once', async () => {
    const store = new MemoryCheckpointStore();
    const first = new LocalCoordinator(store, { streamArn: ARN });
    expect(await first.sync(shards)).toEqual(['s0', 's4']);
    await store.put(ARN, 's0', { sequenceNumber: '5', subSequenceNumber: 0, complete: true });
    expect(await first.sync(shards)).toEqual(['s0', 's4']);
    await first.markFinished('s0');
    expect(await store.get(ARN, 's0')).toEqual(SHARD_END_CHECKPOINT);
    expect(await first.sync(shards)).toEqual(['s1', 's2', 's4']);

    const restarted = new LocalCoordinator(store, { streamArn: ARN });
    expect(await restarted.sync(shards)).toEqual(['s1', 's2', 's4']);
    expect(restarted.owns('s1')).toBe(true);
    expect(restarted.held()).toEqual(['s1', 's2', 's4']);
  });
});

describe('read positions', () => {
  it('maps checkpoints and starting positions to GetShardIterator requests by StreamARN', () => {
    const base = { StreamARN: ARN, ShardId: 's0' };
    expect(
      iteratorRequest(ARN, 's0', {
        kind: 'checkpoint',
        checkpoint: { sequenceNumber: '7', subSequenceNumber: 0, complete: true },
      }),
    ).toEqual({
      ...base,
      ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
      StartingSequenceNumber: '7',
    });
    expect(
      iteratorRequest(ARN, 's0', {
        kind: 'checkpoint',
        checkpoint: { sequenceNumber: '7', subSequenceNumber: 2, complete: false },
      }),
    ).toEqual({
      ...base,
      ShardIteratorType: 'AT_SEQUENCE_NUMBER',
      StartingSequenceNumber: '7',
    });
    expect(iteratorRequest(ARN, 's0', { kind: 'start', startingPosition: 'LATEST' })).toEqual({
      ...base,
      ShardIteratorType: 'LATEST',
    });
    const timestamp = new Date('2024-02-28T06:15:11Z');
    expect(iteratorRequest(ARN, 's0', { kind: 'start', startingPosition: { timestamp } })).toEqual({
      ...base,
      ShardIteratorType: 'AT_TIMESTAMP',
      Timestamp: timestamp,
    });
  });

  it('a failed first batch from LATEST is re-read AT its first record, not from LATEST again', () => {
    expect(retryPosition({ kind: 'start', startingPosition: 'LATEST' }, '42')).toEqual({
      kind: 'at',
      sequenceNumber: '42',
    });
    const cp = {
      kind: 'checkpoint',
      checkpoint: { sequenceNumber: '7', subSequenceNumber: 0, complete: true },
    } as const;
    expect(retryPosition(cp, '42')).toBe(cp);
  });
});

describe('recordDelivery: KPL aggregates of a page, expanded by processBatch', () => {
  const sdkRecord = (sequenceNumber: string, data: Uint8Array) => ({
    SequenceNumber: sequenceNumber,
    PartitionKey: 'pk',
    ApproximateArrivalTimestamp: new Date(0),
    Data: data,
  });
  const deliver = async (page: ReturnType<typeof sdkRecord>[], resumeFrom: SequenceCheckpoint | undefined) => {
    const seen: StreamRecord<Uint8Array>[] = [];
    const dead: { record: StreamRecord<unknown>; error: unknown }[] = [];
    const delivery = recordDelivery((record) => void seen.push(record as StreamRecord<Uint8Array>), {
      codec: 'bytes',
      deadLetter: async (record, error) => void dead.push({ record, error }),
    });
    const records = kinesisRecords(page, { streamArn: ARN, shardId: 's0' });
    const { result } = await delivery({ shardId: 's0', records, resumeFrom }, new AbortController().signal);
    return { seen, dead, result };
  };

  it('expands aggregates and skips the user records a partial checkpoint covers', async () => {
    const [agg] = await aggregateRecords(
      Array.from({ length: 5 }, (_, i) => ({ partitionKey: `u${i}`, data: `d${i}` })),
    );
    const page = [sdkRecord('100', agg!.data), sdkRecord('101', new TextEncoder().encode('plain'))];
    const all = await deliver(page, undefined);
    expect(all.seen.map((r) => [r.sequenceNumber, r.subSequenceNumber])).toEqual([
      ['100', 0],
      ['100', 1],
      ['100', 2],
      ['100', 3],
      ['100', 4],
      ['101', undefined],
    ]);
    const rest = await deliver(page, { sequenceNumber: '100', subSequenceNumber: 2, complete: false });
    expect(rest.seen.map((r) => [r.sequenceNumber, r.subSequenceNumber, r.partitionKey])).toEqual([
      ['100', 3, 'u3'],
      ['100', 4, 'u4'],
      ['101', undefined, 'pk'],
    ]);
    expect(rest.result).toMatchObject({ total: 3, succeeded: 3, failed: undefined });
  });

  it('a corrupt aggregate fails at its place, as one record', async () => {
    const [agg] = await aggregateRecords([
      { partitionKey: 'a', data: 'x' },
      { partitionKey: 'b', data: 'y' },
    ]);
    const corrupt = agg!.data.slice();
    corrupt[corrupt.length - 1] = (corrupt[corrupt.length - 1] ?? 0) ^ 0xff;
    const out = await deliver([sdkRecord('100', corrupt), sdkRecord('101', new Uint8Array([1]))], undefined);
    expect(out.dead.map((d) => [d.record.sequenceNumber, (d.error as { code?: unknown }).code])).toEqual([
      ['100', 'AGGREGATE_CORRUPT'],
    ]);
    expect(out.seen.map((r) => r.sequenceNumber)).toEqual(['101']);
  });
});

describe('outcomeOfLambdaResponse', () => {
  const records = ['1', '2', '3', '4'].map((sequenceNumber) => ({ sequenceNumber }) as StreamRecord<Uint8Array>);
  it('maps batchItemFailures onto the longest done prefix', () => {
    expect(outcomeOfLambdaResponse(records, undefined)).toEqual({ done: 4 });
    expect(outcomeOfLambdaResponse(records, { batchItemFailures: [] })).toEqual({ done: 4 });
    expect(outcomeOfLambdaResponse(records, { batchItemFailures: [{ itemIdentifier: '3' }] }).done).toBe(2);
    expect(
      outcomeOfLambdaResponse(records, { batchItemFailures: [{ itemIdentifier: '4' }, { itemIdentifier: '2' }] }).done,
    ).toBe(1);
    expect(outcomeOfLambdaResponse(records, { batchItemFailures: [{ itemIdentifier: '1' }] }).done).toBe(0);
    expect(outcomeOfLambdaResponse(records, { batchItemFailures: [{ itemIdentifier: 'nope' }] }).done).toBe(0);
  });
});

describe('assumeRoleProvider', () => {
  it('refreshes 5 minutes before expiry, or at half-life for short credentials', () => {
    expect(refreshTime(0, 3_600_000)).toBe(3_300_000);
    expect(refreshTime(0, 3000)).toBe(1500);
  });

  it('shares one AssumeRole call between concurrent callers and caches until the refresh time', async () => {
    let now = 0;
    let calls = 0;
    const stsClient = {
      send: async () => {
        calls++;
        await new Promise((resolve) => setTimeout(resolve, 10));
        return {
          Credentials: {
            AccessKeyId: `AK${calls}`,
            SecretAccessKey: 'secret',
            SessionToken: 'token',
            Expiration: new Date(now + 10_000),
          },
        };
      },
    } as unknown as STSClient;
    const provider = assumeRoleProvider({ roleArn: 'arn:aws:iam::999900009999:role/r', stsClient, now: () => now });
    const [a, b] = await Promise.all([provider(), provider()]);
    expect(calls).toBe(1);
    expect(a).toBe(b);
    now = 4000;
    expect((await provider()).accessKeyId).toBe('AK1');
    now = 5001;
    expect((await provider()).accessKeyId).toBe('AK2');
    expect(provider.roleArn).toBe('arn:aws:iam::999900009999:role/r');
  });
});
