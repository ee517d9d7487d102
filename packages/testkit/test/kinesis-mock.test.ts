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
});
