import {
  InternalFailureException,
  KMSAccessDeniedException,
  KMSThrottlingException,
  ResourceInUseException,
  ResourceNotFoundException,
} from '@aws-sdk/client-kinesis';
import { backoffDelay } from '@streamshare/core/internal';
import { describe, expect, it } from 'vitest';
import { hostileThrownValues } from '../../core/test/fixtures/hostile-thrown.js';
import {
  checkConsumerArn,
  continuationStartingPosition,
  RESOURCE_IN_USE_BACKOFF,
  readShardEvent,
  subscribeStartingPosition,
  subscriptionVerdict,
} from '../src/subscription/index.js';

const streamArn = 'arn:aws:kinesis:us-east-1:999900009999:stream/orders';
const context = { action: 'SubscribeToShard', streamArn, region: 'us-east-1' };
const meta = { $metadata: {} };

describe('subscribeStartingPosition', () => {
  it('maps each read position to the SubscribeToShard StartingPosition', () => {
    const done = { sequenceNumber: '42', subSequenceNumber: 0, complete: true };
    expect(subscribeStartingPosition({ kind: 'checkpoint', checkpoint: done })).toEqual({
      Type: 'AFTER_SEQUENCE_NUMBER',
      SequenceNumber: '42',
    });
    expect(
      subscribeStartingPosition({ kind: 'checkpoint', checkpoint: { ...done, subSequenceNumber: 3, complete: false } }),
    ).toEqual({ Type: 'AT_SEQUENCE_NUMBER', SequenceNumber: '42' });
    expect(subscribeStartingPosition({ kind: 'at', sequenceNumber: '7' })).toEqual({
      Type: 'AT_SEQUENCE_NUMBER',
      SequenceNumber: '7',
    });
    expect(subscribeStartingPosition({ kind: 'start', startingPosition: 'TRIM_HORIZON' })).toEqual({
      Type: 'TRIM_HORIZON',
    });
    expect(subscribeStartingPosition({ kind: 'start', startingPosition: 'LATEST' })).toEqual({ Type: 'LATEST' });
    const timestamp = new Date(1_700_000_000_000);
    expect(subscribeStartingPosition({ kind: 'start', startingPosition: { timestamp } })).toEqual({
      Type: 'AT_TIMESTAMP',
      Timestamp: timestamp,
    });
    expect(continuationStartingPosition('99')).toEqual({ Type: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: '99' });
  });
});

describe('readShardEvent', () => {
  it('keeps the continuation of an event without records (a heartbeat)', () => {
    expect(readShardEvent({ Records: [], ContinuationSequenceNumber: '5', MillisBehindLatest: 0 })).toMatchObject({
      kind: 'records',
      records: [],
      continuation: '5',
    });
  });
  it('a null or absent continuation is the end of the shard, with its child shards', () => {
    const child = { ShardId: 's1', ParentShards: ['s0'], HashKeyRange: { StartingHashKey: '0', EndingHashKey: '1' } };
    expect(
      readShardEvent({
        Records: [],
        ContinuationSequenceNumber: undefined,
        MillisBehindLatest: 0,
        ChildShards: [child],
      }),
    ).toMatchObject({ kind: 'shard-end', childShards: [child] });
    expect(
      readShardEvent({ Records: [], ContinuationSequenceNumber: null as unknown as string, MillisBehindLatest: 0 }),
    ).toMatchObject({ kind: 'shard-end', childShards: [] });
  });
});

describe('subscriptionVerdict', () => {
  it('ResourceInUseException is waited out, and its first wait is at least 5 s', () => {
    const verdict = subscriptionVerdict(new ResourceInUseException({ message: 'in use', ...meta }), context);
    expect(verdict).toMatchObject({ kind: 'resubscribe', backoff: 'resource-in-use' });
    expect(backoffDelay(1, RESOURCE_IN_USE_BACKOFF, () => 0)).toBeGreaterThanOrEqual(5000);
  });
  it('KMS errors are typed: access denied is fatal (KMS_ERROR), throttling re-subscribes (KMS_THROTTLED)', () => {
    const denied = subscriptionVerdict(new KMSAccessDeniedException({ message: 'no', ...meta }), context);
    expect(denied.kind).toBe('fatal');
    expect(denied.error).toMatchObject({ code: 'KMS_ERROR', retryable: false, awsError: 'KMSAccessDeniedException' });
    expect(denied.error.message).toContain('kinesis:SubscribeToShard');
    const throttled = subscriptionVerdict(new KMSThrottlingException({ message: 'slow', ...meta }), context);
    expect(throttled).toMatchObject({ kind: 'resubscribe', backoff: 'transient', error: { code: 'KMS_THROTTLED' } });
  });
  it('access denied and not found are fatal with the poller codes; InternalFailure and a corrupt message re-subscribe', () => {
    const denied = Object.assign(new Error('User: arn:aws:sts::888800008888:assumed-role/R/s is not authorized'), {
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 400 },
    });
    expect(subscriptionVerdict(denied, context)).toMatchObject({ kind: 'fatal', error: { code: 'ACCESS_DENIED' } });
    expect(subscriptionVerdict(new ResourceNotFoundException({ message: 'x', ...meta }), context)).toMatchObject({
      kind: 'fatal',
      error: { code: 'STREAM_NOT_FOUND' },
    });
    expect(subscriptionVerdict(new InternalFailureException({ message: 'x', ...meta }), context)).toMatchObject({
      kind: 'resubscribe',
      backoff: 'transient',
    });
    expect(
      subscriptionVerdict(new Error('The message checksum did not match the expected value'), context),
    ).toMatchObject({ kind: 'resubscribe', backoff: 'transient' });
  });
  it('never throws on a hostile thrown value', () => {
    for (const make of Object.values(hostileThrownValues)) {
      expect(() => subscriptionVerdict(make(), context)).not.toThrow();
    }
  });
});

describe('checkConsumerArn', () => {
  const consumerArn = `${streamArn}/consumer/efo:1700000000`;
  it('takes a consumer of the stream read', () => {
    expect(checkConsumerArn(consumerArn, streamArn)).toMatchObject({ consumerName: 'efo', streamArn });
  });
  it('refuses a malformed ARN, naming the setting', () => {
    expect(() => checkConsumerArn(streamArn, streamArn)).toThrow(
      expect.objectContaining({ code: 'INVALID_CONSUMER_ARN', message: expect.stringContaining('consumerArn: ') }),
    );
    expect(() => checkConsumerArn(42, streamArn, '--consumer-arn')).toThrow(
      expect.objectContaining({ code: 'INVALID_CONSUMER_ARN', message: expect.stringContaining('--consumer-arn: ') }),
    );
  });
  it("refuses another stream's consumer", () => {
    const other = 'arn:aws:kinesis:us-east-1:999900009999:stream/payments';
    expect(() => checkConsumerArn(consumerArn, other)).toThrow(
      expect.objectContaining({ code: 'CONSUMER_STREAM_MISMATCH', message: expect.stringContaining(other) }),
    );
  });
});
