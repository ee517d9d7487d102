/**
 * `runDoctor` with a consumer ARN (enhanced fan-out), as the consumer account, with real SDK clients
 * over HTTP/2: testkit's h2c server answers SubscribeToShard and forwards every other call, through
 * the fault proxy (to deny one action), to kinesis-mock, where the producer registered the consumer.
 */
import { DeregisterStreamConsumerCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { STSClient } from '@aws-sdk/client-sts';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import {
  CONSUMER_ACCOUNT,
  createStream,
  type FaultProxy,
  kinesisClient,
  kinesisHttp2Client,
  PRODUCER_ACCOUNT,
  type StsServer,
  type SubscribeServer,
  startFaultProxy,
  startStsServer,
  startSubscribeServer,
} from '@streamshare/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { registerConsumer } from '../src/admin/consumer-register.js';
import { formatCheck, runDoctor } from '../src/doctor/index.js';

const ROLE = 'arn:aws:iam::888800008888:role/kds-efo-reader';

let producer: KinesisClient;
let proxy: FaultProxy;
let server: SubscribeServer;
let sts: StsServer;
let streamArn: string;
let consumerArn: string;
const clients: { destroy(): void }[] = [];

beforeAll(async () => {
  const endpoint = inject('kinesisEndpoint');
  producer = kinesisClient({ endpoint, account: PRODUCER_ACCOUNT, maxAttempts: 1 });
  streamArn = await createStream(producer, `doctor-efo-${Date.now()}`, 2);
  ({ consumerArn } = await registerConsumer({
    kinesis: producer,
    streamArn,
    consumerName: 'doctor-reader',
    principals: [ROLE],
    pollBackoff: { minMs: 20, maxMs: 100 },
  }));
  proxy = await startFaultProxy({ target: endpoint });
  server = await startSubscribeServer({
    kinesisEndpoint: proxy.endpoint,
    defaultScript: { kind: 'live', heartbeatMs: 200 },
  });
  sts = await startStsServer();
}, 60_000);

afterEach(() => {
  proxy.setRules([]);
  server.discardQueued();
  for (const client of clients.splice(0)) client.destroy();
});

afterAll(async () => {
  producer?.destroy();
  await server?.close();
  await proxy?.stop();
  await sts?.stop();
});

/** The consumer account's clients: Kinesis over HTTP/2 to the h2c server, STS to the loopback STS. */
function consumerClients() {
  const kinesis = kinesisHttp2Client({ endpoint: server.endpoint, account: CONSUMER_ACCOUNT, maxAttempts: 1 });
  const subscribeClient = kinesisHttp2Client({ endpoint: server.endpoint, account: CONSUMER_ACCOUNT, maxAttempts: 1 });
  const stsClient = new STSClient({
    region: 'us-east-1',
    endpoint: sts.endpoint,
    credentials: { accessKeyId: CONSUMER_ACCOUNT, secretAccessKey: 'test' },
    requestHandler: new NodeHttpHandler(),
  });
  clients.push(kinesis, subscribeClient, stsClient);
  return { kinesis, subscribeClient, sts: stsClient };
}

const doctor = (options: { consumerArn?: string } = {}) =>
  runDoctor({ streamArn, consumerArn, ...consumerClients(), ...options });

describe('runDoctor --consumer-arn', () => {
  it('checks the stream calls, DescribeStreamConsumer and a short SubscribeToShard, and leaves no subscription open', async () => {
    const calls = server.calls.length;
    const checks = await doctor();
    expect(checks.map((c) => [c.name, c.status])).toEqual([
      ['sts:GetCallerIdentity', 'ok'],
      ['kinesis:DescribeStreamSummary', 'ok'],
      ['kinesis:ListShards', 'ok'],
      ['kinesis:DescribeStreamConsumer', 'ok'],
      ['kinesis:SubscribeToShard', 'ok'],
    ]);
    expect(checks[3]?.detail).toBe(`doctor-reader is ACTIVE, a consumer of ${streamArn}`);
    expect(server.calls.slice(calls)).toEqual([
      expect.objectContaining({ consumerArn, shardId: 'shardId-000000000000', startingPosition: { Type: 'LATEST' } }),
    ]);
    // Aborted at once: the HTTP/2 stream is closed (the SDK's event stream alone would keep it open).
    await server.waitFor((s) => s.subscriptionsOpen === 0, 5_000);
  });

  it("SubscribeToShard denied: the fix names the consumer's policy, the producer account and the register command", async () => {
    server.enqueue({
      kind: 'reject',
      status: 400,
      type: 'AccessDeniedException',
      message: `User: arn:aws:sts::888800008888:assumed-role/kds-efo-reader/s is not authorized to perform: kinesis:SubscribeToShard on resource: ${consumerArn} because no resource-based policy allows the kinesis:SubscribeToShard action`,
    });
    const checks = await doctor();
    const failed = checks.filter((c) => c.status === 'fail');
    expect(failed.map((c) => c.name)).toEqual(['kinesis:SubscribeToShard']);
    expect(failed[0]?.detail).toMatch(/^access denied: /);
    expect(failed[0]?.fix).toMatch(
      new RegExp(
        `^the consumer's resource-based policy \\(attached to ${consumerArn.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} by the producer account 999900009999\\) needs a statement allowing kinesis:SubscribeToShard to arn:aws:sts::888800008888:assumed-role/kds-efo-reader/s`,
      ),
    );
    expect(failed[0]?.fix).toMatch(
      /streamshare consumer register --stream-arn .* --name doctor-reader --principal <role ARN>/,
    );
    expect(failed[0]?.fix).toMatch(
      /the stream's own policy must still allow kinesis:DescribeStreamSummary and kinesis:ListShards/,
    );
    expect(formatCheck(failed[0]!)).toMatch(/^FAIL kinesis:SubscribeToShard/);
  });

  it("DescribeStreamConsumer denied: the consumer's policy; ListShards denied: the stream's policy", async () => {
    proxy.setRules([{ actions: 'DescribeStreamConsumer', fault: 'access-denied', reason: 'resource-based' }]);
    const consumerDenied = (await doctor()).find((c) => c.name === 'kinesis:DescribeStreamConsumer');
    expect(consumerDenied?.status).toBe('fail');
    expect(consumerDenied?.fix).toMatch(
      /^the consumer's resource-based policy \(attached to .*consumer\/doctor-reader:\d+ by the producer account 999900009999\)/,
    );

    proxy.setRules([{ actions: 'ListShards', fault: 'access-denied', reason: 'resource-based' }]);
    const checks = await doctor();
    const listDenied = checks.find((c) => c.name === 'kinesis:ListShards');
    expect(listDenied?.fix).toMatch(
      /^the stream's resource-based policy \(producer account 999900009999\) needs a statement allowing kinesis:ListShards/,
    );
    expect(checks.at(-1)).toMatchObject({ name: 'kinesis:SubscribeToShard', status: 'skip' });
  });

  it('a subscription already open (ResourceInUseException) is a warning: the access is granted', async () => {
    server.enqueue({
      kind: 'reject',
      status: 400,
      type: 'ResourceInUseException',
      message: 'Another active subscription exists',
    });
    const last = (await doctor()).at(-1);
    expect(last).toMatchObject({ name: 'kinesis:SubscribeToShard', status: 'warn' });
    expect(last?.detail).toMatch(/less than 5 s ago .*the access itself is granted/);
  });

  it('a consumer of another stream, a deregistered consumer, a client without HTTP/2', async () => {
    const other = await doctor({ consumerArn: `${streamArn}-other/consumer/doctor-reader:1700000000` });
    expect(other.at(-1)).toMatchObject({ name: 'consumer', status: 'fail' });
    expect(other.at(-1)?.detail).toMatch(/is registered on .*-other, not on /);

    const gone = await registerConsumer({
      kinesis: producer,
      streamArn,
      consumerName: 'gone',
      principals: [ROLE],
      pollBackoff: { minMs: 20, maxMs: 100 },
    });
    await producer.send(new DeregisterStreamConsumerCommand({ ConsumerARN: gone.consumerArn }));
    const missing = await doctor({ consumerArn: gone.consumerArn });
    expect(missing.slice(-2).map((c) => [c.name, c.status])).toEqual([
      ['kinesis:DescribeStreamConsumer', 'fail'],
      ['kinesis:SubscribeToShard', 'skip'],
    ]);
    expect(missing.at(-2)?.fix).toMatch(/deregistered .*streamshare consumer list --stream-arn /);

    const http1 = kinesisClient({ endpoint: inject('kinesisEndpoint'), account: CONSUMER_ACCOUNT, maxAttempts: 1 });
    clients.push(http1);
    const checks = await runDoctor({ streamArn, consumerArn, ...consumerClients(), subscribeClient: http1 });
    expect(checks.at(-1)).toMatchObject({ name: 'kinesis:SubscribeToShard', status: 'fail' });
    expect(checks.at(-1)?.fix).toMatch(/needs HTTP\/2/);
  });
});
