import { STSClient } from '@aws-sdk/client-sts';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import {
  CONSUMER_ACCOUNT,
  createStream,
  type FaultProxy,
  kinesisClient,
  PRODUCER_ACCOUNT,
  type StsServer,
  startFaultProxy,
  startStsServer,
} from '@streamshare/testkit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { formatCheck, runDoctor } from '../src/doctor/index.js';

let proxy: FaultProxy;
let sts: StsServer;
let streamArn: string;

beforeAll(async () => {
  const endpoint = inject('kinesisEndpoint');
  const producer = kinesisClient({ endpoint, account: PRODUCER_ACCOUNT });
  streamArn = await createStream(producer, `doctor-${Date.now()}`, 1);
  proxy = await startFaultProxy({ target: endpoint });
  sts = await startStsServer();
});

afterAll(async () => {
  await proxy?.stop();
  await sts?.stop();
});

function consumerClients() {
  const credentials = { accessKeyId: CONSUMER_ACCOUNT, secretAccessKey: 'test' };
  return {
    kinesis: kinesisClient({ endpoint: proxy.endpoint, account: CONSUMER_ACCOUNT, maxAttempts: 1 }),
    sts: new STSClient({
      region: 'us-east-1',
      endpoint: sts.endpoint,
      credentials,
      requestHandler: new NodeHttpHandler(),
    }),
  };
}

describe('runDoctor', () => {
  it('passes every check when the consumer can read the stream', async () => {
    proxy.setRules([]);
    const checks = await runDoctor({ streamArn, ...consumerClients() });
    expect(checks.map((c) => [c.name, c.status])).toEqual([
      ['sts:GetCallerIdentity', 'ok'],
      ['kinesis:DescribeStreamSummary', 'ok'],
      ['kinesis:DescribeStream', 'ok'],
      ['kinesis:ListShards', 'ok'],
      ['kinesis:GetShardIterator', 'ok'],
      ['kinesis:GetRecords', 'ok'],
    ]);
    expect(checks[0]?.detail).toMatch(/cross-account/);
  });

  it('names the denied action and tells that the stream policy must add it', async () => {
    proxy.setRules([{ actions: 'DescribeStream', fault: 'access-denied', reason: 'resource-based' }]);
    const checks = await runDoctor({ streamArn, ...consumerClients() });
    const failed = checks.filter((c) => c.status === 'fail');
    expect(failed.map((c) => c.name)).toEqual(['kinesis:DescribeStream']);
    expect(failed[0]?.fix).toMatch(/stream's resource-based policy \(producer account 999900009999\)/);
    expect(failed[0]?.fix).toMatch(/kinesis:DescribeStream/);
    expect(formatCheck(failed[0]!)).toMatch(/^FAIL kinesis:DescribeStream/);
  });

  it("points to the consumer role's own policy for identity-based denials", async () => {
    proxy.setRules([{ actions: 'GetRecords', fault: 'access-denied', reason: 'identity-based' }]);
    const checks = await runDoctor({ streamArn, ...consumerClients() });
    const failed = checks.filter((c) => c.status === 'fail');
    expect(failed.map((c) => c.name)).toEqual(['kinesis:GetRecords']);
    expect(failed[0]?.fix).toMatch(/consumer role's own identity policy/);
  });

  it('skips the reads when no shard can be listed', async () => {
    proxy.setRules([{ actions: ['DescribeStream', 'ListShards'], fault: 'access-denied' }]);
    const checks = await runDoctor({ streamArn, ...consumerClients() });
    expect(checks.slice(-2).map((c) => c.status)).toEqual(['skip', 'skip']);
  });

  it('checks the same-region rule and points to the EventBridge forwarder', async () => {
    proxy.setRules([]);
    const checks = await runDoctor({ streamArn, lambdaRegion: 'ap-northeast-1', ...consumerClients() });
    const region = checks.find((c) => c.name === 'region');
    expect(region?.status).toBe('fail');
    expect(region?.fix).toMatch(/eventBridgeForwarder/);
    const same = await runDoctor({ streamArn, lambdaRegion: 'us-east-1', ...consumerClients() });
    expect(same.find((c) => c.name === 'region')?.status).toBe('ok');
  });

  it('reports a stream that does not exist', async () => {
    proxy.setRules([]);
    const missing = streamArn.replace(/stream\/.*/, 'stream/no-such-stream');
    const checks = await runDoctor({ streamArn: missing, ...consumerClients() });
    expect(checks.find((c) => c.name === 'kinesis:DescribeStreamSummary')).toMatchObject({ status: 'fail' });
    expect(checks.find((c) => c.name === 'kinesis:DescribeStreamSummary')?.fix).toMatch(/check the ARN/);
  });

  it('refuses a malformed ARN with the expected form', async () => {
    await expect(runDoctor({ streamArn: 'kds-sharing-example1', ...consumerClients() })).rejects.toThrow(
      /expected arn:<aws\|aws-cn\|aws-us-gov>:kinesis:<region>/,
    );
  });
});
