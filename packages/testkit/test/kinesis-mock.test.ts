import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetResourcePolicyCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  ListStreamsCommand,
  MergeShardsCommand,
  PutResourcePolicyCommand,
  SplitShardCommand,
} from '@aws-sdk/client-kinesis';
import {
  CONSUMER_ACCOUNT,
  createStream,
  type KinesisMock,
  kinesisClient,
  PRODUCER_ACCOUNT,
  putRecords,
  startKinesisMock,
  streamArnOf,
  waitForStreamActive,
} from '@streamshare/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let mock: KinesisMock;
beforeAll(async () => {
  mock = await startKinesisMock();
}, 60_000);
afterAll(async () => {
  await mock?.stop();
});

describe('startKinesisMock', () => {
  it('answers on a loopback endpoint and separates accounts by access key id', async () => {
    expect(mock.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const producer = kinesisClient({ endpoint: mock.endpoint, account: PRODUCER_ACCOUNT });
    const consumer = kinesisClient({ endpoint: mock.endpoint, account: CONSUMER_ACCOUNT });
    const arn = await createStream(producer, 'accounts-a', 1);
    expect(arn).toBe(streamArnOf(PRODUCER_ACCOUNT, 'accounts-a'));
    expect((await producer.send(new ListStreamsCommand({}))).StreamNames).toContain('accounts-a');
    expect((await consumer.send(new ListStreamsCommand({}))).StreamNames ?? []).not.toContain('accounts-a');
  });

  it('serves a stream of the producer account to the consumer account by StreamARN', async () => {
    const producer = kinesisClient({ endpoint: mock.endpoint, account: PRODUCER_ACCOUNT });
    const consumer = kinesisClient({ endpoint: mock.endpoint, account: CONSUMER_ACCOUNT });
    const arn = await createStream(producer, 'cross-a', 2);
    const written = await putRecords(
      producer,
      arn,
      Array.from({ length: 20 }, (_, i) => ({ data: `r${i}`, partitionKey: `k${i % 5}` })),
    );
    expect(written).toHaveLength(20);

    const described = await consumer.send(new DescribeStreamCommand({ StreamARN: arn }));
    expect(described.StreamDescription?.StreamARN).toBe(arn);
    const shards = (await consumer.send(new ListShardsCommand({ StreamARN: arn }))).Shards ?? [];
    expect(shards).toHaveLength(2);
    const seen: string[] = [];
    for (const shard of shards) {
      const { ShardIterator } = await consumer.send(
        new GetShardIteratorCommand({ StreamARN: arn, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }),
      );
      const page = await consumer.send(new GetRecordsCommand({ StreamARN: arn, ShardIterator }));
      for (const record of page.Records ?? []) seen.push(new TextDecoder().decode(record.Data));
    }
    expect(seen.sort()).toEqual(Array.from({ length: 20 }, (_, i) => `r${i}`).sort());
  });

  it('resolves a StreamName, and a GetRecords call without StreamARN, in the signing account only', async () => {
    const producer = kinesisClient({ endpoint: mock.endpoint, account: PRODUCER_ACCOUNT });
    const consumer = kinesisClient({ endpoint: mock.endpoint, account: CONSUMER_ACCOUNT, maxAttempts: 1 });
    const arn = await createStream(producer, 'cross-b', 1);
    await expect(consumer.send(new DescribeStreamCommand({ StreamName: 'cross-b' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    const { ShardIterator } = await consumer.send(
      new GetShardIteratorCommand({
        StreamARN: arn,
        ShardId: 'shardId-000000000000',
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    await expect(consumer.send(new GetRecordsCommand({ ShardIterator }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    await expect(consumer.send(new GetRecordsCommand({ StreamARN: arn, ShardIterator }))).resolves.toBeDefined();
  });

  it('splits and merges shards (also when asked by ARN from another account), with parents recorded', async () => {
    const producer = kinesisClient({ endpoint: mock.endpoint, account: PRODUCER_ACCOUNT });
    const consumer = kinesisClient({ endpoint: mock.endpoint, account: CONSUMER_ACCOUNT });
    const arn = await createStream(producer, 'reshard-a', 1);
    await putRecords(producer, arn, [{ data: 'before', partitionKey: 'k' }]);
    await producer.send(
      new SplitShardCommand({
        StreamARN: arn,
        ShardToSplit: 'shardId-000000000000',
        NewStartingHashKey: (2n ** 127n).toString(),
      }),
    );
    await waitForStreamActive(producer, arn);
    await consumer.send(
      new MergeShardsCommand({
        StreamARN: arn,
        ShardToMerge: 'shardId-000000000001',
        AdjacentShardToMerge: 'shardId-000000000002',
      }),
    );
    await waitForStreamActive(producer, arn);
    const shards = (await producer.send(new ListShardsCommand({ StreamARN: arn }))).Shards ?? [];
    expect(shards.map((s) => [s.ShardId, s.ParentShardId, s.AdjacentParentShardId])).toEqual([
      ['shardId-000000000000', undefined, undefined],
      ['shardId-000000000001', 'shardId-000000000000', undefined],
      ['shardId-000000000002', 'shardId-000000000000', undefined],
      ['shardId-000000000003', 'shardId-000000000001', 'shardId-000000000002'],
    ]);
    expect(shards[0]?.SequenceNumberRange?.EndingSequenceNumber).toBeDefined();

    // A closed shard ends: its last page names the children and has no NextShardIterator.
    let iterator = (
      await producer.send(
        new GetShardIteratorCommand({
          StreamARN: arn,
          ShardId: 'shardId-000000000000',
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      )
    ).ShardIterator;
    const data: string[] = [];
    let childShards: string[] = [];
    for (let page = 0; iterator && page < 10; page++) {
      const out = await producer.send(new GetRecordsCommand({ StreamARN: arn, ShardIterator: iterator }));
      data.push(...(out.Records ?? []).map((r) => new TextDecoder().decode(r.Data)));
      childShards = (out.ChildShards ?? []).map((c) => c.ShardId!);
      iterator = out.NextShardIterator;
    }
    expect(iterator).toBeUndefined();
    expect(data).toEqual(['before']);
    expect(childShards).toEqual(['shardId-000000000001', 'shardId-000000000002']);
  });

  it('stores resource policies (readable from any account) without enforcing them', async () => {
    const producer = kinesisClient({ endpoint: mock.endpoint, account: PRODUCER_ACCOUNT });
    const consumer = kinesisClient({ endpoint: mock.endpoint, account: CONSUMER_ACCOUNT });
    const arn = await createStream(producer, 'policy-a', 1);
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${CONSUMER_ACCOUNT}:role/kds-reader1-role` },
          Action: ['kinesis:GetRecords'],
          Resource: arn,
        },
      ],
    });
    await producer.send(new PutResourcePolicyCommand({ ResourceARN: arn, Policy: policy }));
    expect((await consumer.send(new GetResourcePolicyCommand({ ResourceARN: arn }))).Policy).toBe(policy);
    // Not enforced: DescribeStream is not granted, yet the consumer may call it.
    await expect(consumer.send(new DescribeStreamCommand({ StreamARN: arn }))).resolves.toBeDefined();
  });
});
