import { createServer } from 'node:http';
import {
  DescribeStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
  PutRecordCommand,
} from '@aws-sdk/client-kinesis';
import {
  CONSUMER_ACCOUNT,
  closeServer,
  createStream,
  errorAnswer,
  type FaultProxy,
  kinesisClient,
  listenOnLoopback,
  PRODUCER_ACCOUNT,
  startFaultProxy,
} from '@streamshare/testkit';
import { afterEach, beforeAll, describe, expect, inject, it } from 'vitest';

const endpoint = inject('kinesisEndpoint');
let streamArn: string;
let proxy: FaultProxy | undefined;

beforeAll(async () => {
  streamArn = await createStream(kinesisClient({ endpoint, account: PRODUCER_ACCOUNT }), `faults-${Date.now()}`, 1);
});
afterEach(async () => {
  await proxy?.stop();
  proxy = undefined;
});

const viaProxy = (p: FaultProxy, maxAttempts = 1) =>
  kinesisClient({ endpoint: p.endpoint, account: CONSUMER_ACCOUNT, maxAttempts });

async function iterator(client: KinesisClient): Promise<string> {
  const out = await client.send(
    new GetShardIteratorCommand({ StreamARN: streamArn, ShardId: 'shardId-000000000000', ShardIteratorType: 'LATEST' }),
  );
  return out.ShardIterator!;
}

async function countRecords(): Promise<number> {
  const direct = kinesisClient({ endpoint, account: CONSUMER_ACCOUNT });
  const { ShardIterator } = await direct.send(
    new GetShardIteratorCommand({
      StreamARN: streamArn,
      ShardId: 'shardId-000000000000',
      ShardIteratorType: 'TRIM_HORIZON',
    }),
  );
  const out = await direct.send(new GetRecordsCommand({ StreamARN: streamArn, ShardIterator, Limit: 10_000 }));
  return out.Records?.length ?? 0;
}

describe('startFaultProxy', () => {
  it('forwards unchanged when no rule fires, and counts per action', async () => {
    proxy = await startFaultProxy({ target: endpoint });
    const client = viaProxy(proxy);
    const summary = await client.send(new DescribeStreamSummaryCommand({ StreamARN: streamArn }));
    expect(summary.StreamDescriptionSummary?.StreamARN).toBe(streamArn);
    await client.send(new ListShardsCommand({ StreamARN: streamArn }));
    expect(proxy.stats).toMatchObject({ requests: 2, forwarded: 2, upstreamErrors: 0 });
    expect(proxy.stats.byAction).toEqual({
      DescribeStreamSummary: { requests: 1, injected: 0 },
      ListShards: { requests: 1, injected: 0 },
    });
  });

  it('throttles GetRecords a counted number of times, in AWS shape; the SDK retries through it', async () => {
    proxy = await startFaultProxy({
      target: endpoint,
      rules: [{ actions: 'GetRecords', fault: 'throttle', count: 2 }],
    });
    const client = viaProxy(proxy);
    const it0 = await iterator(client);
    await expect(
      client.send(new GetRecordsCommand({ StreamARN: streamArn, ShardIterator: it0 })),
    ).rejects.toMatchObject({
      name: 'ProvisionedThroughputExceededException',
      $metadata: { httpStatusCode: 400 },
      message: `Rate exceeded for stream ${streamArn.split('/')[1]} under account ${PRODUCER_ACCOUNT}.`,
    });
    const retrying = viaProxy(proxy, 3);
    await expect(
      retrying.send(new GetRecordsCommand({ StreamARN: streamArn, ShardIterator: it0 })),
    ).resolves.toMatchObject({ Records: [] });
    expect(proxy.stats.injected.throttle).toBe(2);
    expect(proxy.stats.byAction.GetRecords).toEqual({ requests: 3, injected: 2 });
  });

  it('answers limit-exceeded, expired-iterator, 500 and 503 with the codes the SDK maps', async () => {
    proxy = await startFaultProxy({ target: endpoint });
    const client = viaProxy(proxy);
    const it0 = await iterator(client);
    const get = () => client.send(new GetRecordsCommand({ StreamARN: streamArn, ShardIterator: it0 }));
    const cases = [
      ['limit-exceeded', 'LimitExceededException', 400],
      ['expired-iterator', 'ExpiredIteratorException', 400],
      ['internal-failure', 'InternalFailure', 500],
      ['service-unavailable', 'ServiceUnavailable', 503],
    ] as const;
    for (const [fault, name, status] of cases) {
      proxy.setRules([{ actions: ['Kinesis_20131202.GetRecords'], fault, count: 1 }]);
      await expect(get()).rejects.toMatchObject({ name, $metadata: { httpStatusCode: status } });
      await expect(get()).resolves.toBeDefined();
    }
    expect(proxy.stats.injected).toMatchObject({
      'limit-exceeded': 1,
      'expired-iterator': 1,
      'internal-failure': 1,
      'service-unavailable': 1,
    });
  });

  it('denies chosen actions with the AccessDeniedException AWS sends for a missing resource policy grant', async () => {
    const principal = `arn:aws:sts::${CONSUMER_ACCOUNT}:assumed-role/kds-reader1-role/session`;
    proxy = await startFaultProxy({
      target: endpoint,
      rules: [{ actions: 'DescribeStream', fault: 'access-denied', principalArn: principal }],
    });
    const client = viaProxy(proxy);
    await expect(client.send(new DescribeStreamCommand({ StreamARN: streamArn }))).rejects.toMatchObject({
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 400 },
      message:
        `User: ${principal} is not authorized to perform: kinesis:DescribeStream on resource: ${streamArn} ` +
        'because no resource-based policy allows the kinesis:DescribeStream action',
    });
    await expect(client.send(new ListShardsCommand({ StreamARN: streamArn }))).resolves.toBeDefined();
  });

  it('drops connections before the target sees the call, or after (the write happened)', async () => {
    proxy = await startFaultProxy({ target: endpoint });
    const client = viaProxy(proxy);
    const put = () =>
      client.send(new PutRecordCommand({ StreamARN: streamArn, Data: Buffer.from('x'), PartitionKey: 'k' }));
    const before = await countRecords();
    proxy.setRules([{ actions: 'PutRecord', fault: 'drop', count: 1 }]);
    await expect(put()).rejects.toThrow();
    expect(await countRecords()).toBe(before);
    proxy.setRules([{ actions: 'PutRecord', fault: 'drop-response', count: 1 }]);
    await expect(put()).rejects.toThrow();
    expect(await countRecords()).toBe(before + 1);
    expect(proxy.stats.injected).toMatchObject({ drop: 1, 'drop-response': 1 });
    expect(proxy.stats.forwarded).toBe(1);
  });

  it('delays, skips, and fires by probability reproducibly from a seed', async () => {
    proxy = await startFaultProxy({
      target: endpoint,
      rules: [{ actions: 'ListShards', fault: 'delay', delayMs: 1000, skip: 1, count: 1 }],
    });
    const client = viaProxy(proxy);
    const timed = async () => {
      const start = performance.now();
      await client.send(new ListShardsCommand({ StreamARN: streamArn }));
      return performance.now() - start;
    };
    await timed();
    expect(proxy.stats.injected.delay).toBe(0);
    expect(await timed()).toBeGreaterThanOrEqual(990);
    expect(proxy.stats.injected.delay).toBe(1);
    await timed();
    expect(proxy.stats.injected.delay).toBe(1);
    expect(proxy.stats.forwarded).toBe(3);

    // Probability, against a trivial target so that 2 x 40 calls stay fast.
    const target = createServer((_req, res) => res.end('{}'));
    const { endpoint: targetEndpoint } = await listenOnLoopback(target);
    const outcomes = async (seed: number) => {
      const p = await startFaultProxy({
        target: targetEndpoint,
        seed,
        rules: [{ fault: 'throttle', probability: 0.5 }],
      });
      const results: boolean[] = [];
      for (let i = 0; i < 40; i++) {
        const res = await fetch(p.endpoint, {
          method: 'POST',
          headers: { 'x-amz-target': 'Kinesis_20131202.ListShards' },
        });
        await res.arrayBuffer();
        results.push(res.ok);
      }
      expect(p.stats.injected.throttle + p.stats.forwarded).toBe(40);
      await p.stop();
      return results;
    };
    const first = await outcomes(7);
    expect(await outcomes(7)).toEqual(first);
    expect(await outcomes(8)).not.toEqual(first);
    const failed = first.filter((ok) => !ok).length;
    expect(failed).toBeGreaterThan(8);
    expect(failed).toBeLessThan(32);
    await closeServer(target);
  });
});

describe('errorAnswer', () => {
  it('names shard, stream and account in throttling messages, as Kinesis does', () => {
    const facts = {
      action: 'GetRecords',
      service: 'Kinesis_20131202',
      streamArn: 'arn:aws:kinesis:us-east-1:999900009999:stream/kds-sharing-example1',
      shardId: 'shardId-000000000001',
      account: '888800008888',
    };
    expect(errorAnswer({ fault: 'throttle' }, facts)).toEqual({
      status: 400,
      type: 'ProvisionedThroughputExceededException',
      message:
        'Rate exceeded for shard shardId-000000000001 in stream kds-sharing-example1 under account 999900009999.',
    });
    expect(errorAnswer({ fault: 'expired-iterator' }, facts, new Date('2024-01-01T00:05:01Z'))?.message).toBe(
      'Iterator expired. The iterator was created at time Mon Jan 01 00:00:00 UTC 2024 while right now it is ' +
        'Mon Jan 01 00:05:01 UTC 2024 which is further in the future than the tolerated delay of 300000 milliseconds.',
    );
    expect(errorAnswer({ fault: 'access-denied', reason: 'identity-based' }, facts)?.message).toContain(
      'because no identity-based policy allows the kinesis:GetRecords action',
    );
    expect(errorAnswer({ fault: 'delay' }, facts)).toBeUndefined();
  });
});
