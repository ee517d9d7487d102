/**
 * A denied enhanced fan-out action names the consumer's resource-based policy (attached to the
 * consumer ARN by the producer account), not the stream's: the poller's AccessDeniedError when
 * SubscribeToShard is refused at run time, and `runDoctor --consumer-arn`'s checks. Real SDK clients
 * over HTTP/2 to testkit's h2c server, which answers SubscribeToShard (here: scripted refusals) and
 * forwards every other call, through the fault proxy, to kinesis-mock.
 */
import { type KinesisClient, RegisterStreamConsumerCommand } from '@aws-sdk/client-kinesis';
import { STSClient } from '@aws-sdk/client-sts';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { MemoryCheckpointStore } from '@streamshare/core';
import { AccessDeniedError, createPoller, type Poller } from '@streamshare/poller';
import {
  CONSUMER_ACCOUNT,
  type FaultProxy,
  kinesisHttp2Client,
  PRODUCER_ACCOUNT,
  type StsServer,
  type SubscribeServer,
  startFaultProxy,
  startStsServer,
  startSubscribeServer,
} from '@streamshare/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { formatCheck, runDoctor } from '../src/doctor/index.js';
import { deleteProducerStream, kinesisEndpoint, producerClient, producerStream } from './helpers/engine-env.js';

const SESSION = `arn:aws:sts::${CONSUMER_ACCOUNT}:assumed-role/kds-efo-reader/streamshare`;
const ROLE = `arn:aws:iam::${CONSUMER_ACCOUNT}:role/kds-efo-reader`;

let proxy: FaultProxy;
let server: SubscribeServer;
let sts: StsServer;
let streamArn: string;
let consumerArn: string;
const pollers: Poller[] = [];
const clients: { destroy(): void }[] = [];

beforeAll(async () => {
  streamArn = await producerStream('efo-denied', 1);
  const registered = await producerClient().send(
    new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: 'denied-reader' }),
  );
  consumerArn = registered.Consumer?.ConsumerARN ?? '';
  proxy = await startFaultProxy({ target: kinesisEndpoint() });
  server = await startSubscribeServer({
    kinesisEndpoint: proxy.endpoint,
    pollMs: 20,
    defaultScript: { kind: 'live', heartbeatMs: 200 },
  });
  sts = await startStsServer();
}, 60_000);
afterEach(async () => {
  await Promise.all(pollers.splice(0).map((p) => p.stop().catch(() => {})));
  proxy.setRules([]);
  server.discardQueued();
  for (const client of clients.splice(0)) client.destroy();
  await server.waitFor((s) => s.subscriptionsOpen === 0 && s.subscriptionSessionsOpen === 0, 5_000);
});
afterAll(async () => {
  await server?.close();
  await proxy?.stop();
  await sts?.stop();
  if (streamArn) await deleteProducerStream(streamArn);
});

function h2Client(): KinesisClient {
  const client = kinesisHttp2Client({ endpoint: server.endpoint, account: CONSUMER_ACCOUNT, maxAttempts: 1 });
  clients.push(client);
  return client;
}

/** SubscribeToShard refused as AWS words it when the consumer's resource-based policy does not name the role. */
const subscribeDenied = () =>
  ({
    kind: 'reject',
    status: 400,
    type: 'AccessDeniedException',
    message: `User: ${SESSION} is not authorized to perform: kinesis:SubscribeToShard on resource: ${consumerArn} because no resource-based policy allows the kinesis:SubscribeToShard action`,
  }) as const;

/** Runs a poller of the consumer until it fails; returns what `done` (or `start`) rejected with. */
async function failure(): Promise<unknown> {
  const poller = createPoller({
    streamArn,
    consumerArn,
    handler: () => {},
    kinesisClient: h2Client(),
    checkpointStore: new MemoryCheckpointStore(),
    idleTimeBetweenReadsMs: 50,
  });
  pollers.push(poller);
  return poller
    .start()
    .then(() => poller.done)
    .then(
      () => undefined,
      (error: unknown) => error,
    );
}

describe('SubscribeToShard denied at run time', () => {
  it("the poller stops with an AccessDeniedError naming the consumer's policy, its ARN and the producer account", async () => {
    server.enqueue(subscribeDenied());
    const error = await failure();
    expect(error).toBeInstanceOf(AccessDeniedError);
    const denied = error as AccessDeniedError;
    expect(denied).toMatchObject({
      code: 'ACCESS_DENIED',
      action: 'kinesis:SubscribeToShard',
      side: 'consumer-resource-policy',
      consumerArn,
      streamArn,
      principal: ROLE,
    });
    expect(denied.statement).toMatchObject({
      Action: ['kinesis:DescribeStreamConsumer', 'kinesis:SubscribeToShard'],
      Resource: consumerArn,
      Principal: { AWS: ROLE },
    });
    expect(denied.message).toContain(
      `the consumer's resource-based policy (attached to ${consumerArn} by the producer account ${PRODUCER_ACCOUNT})`,
    );
    expect(denied.message).toContain(`adds this statement to the resource-based policy of consumer ${consumerArn}`);
    expect(server.calls.at(-1)).toMatchObject({ consumerArn, script: 'reject' });
  });

  it('a refusal whose message names no resource still names the consumer (from the call)', async () => {
    server.enqueue({ kind: 'reject', status: 400, type: 'AccessDeniedException', message: 'Access denied' });
    const denied = (await failure()) as AccessDeniedError;
    expect(denied).toBeInstanceOf(AccessDeniedError);
    // Cross-account (the principal is not known): the consumer's policy and the role's own.
    expect(denied.side).toBe('consumer-resource-and-identity-policy');
    expect(denied.consumerArn).toBe(consumerArn);
    expect(denied.message).toContain(`attached to ${consumerArn} by the producer account ${PRODUCER_ACCOUNT}`);
    expect(denied.message).toContain(`identity policy needs kinesis:SubscribeToShard on ${consumerArn}`);
  });
});

describe('runDoctor --consumer-arn: the side of each denied check', () => {
  const doctor = () => {
    const kinesis = h2Client();
    const subscribeClient = h2Client();
    const stsClient = new STSClient({
      region: 'us-east-1',
      endpoint: sts.endpoint,
      credentials: { accessKeyId: CONSUMER_ACCOUNT, secretAccessKey: 'test' },
      requestHandler: new NodeHttpHandler(),
    });
    clients.push(stsClient);
    return runDoctor({ streamArn, consumerArn, kinesis, subscribeClient, sts: stsClient });
  };

  it('SubscribeToShard and DescribeStreamConsumer: consumer-resource-policy; ListShards: stream-resource-policy', async () => {
    server.enqueue(subscribeDenied());
    const subscribe = (await doctor()).find((c) => c.name === 'kinesis:SubscribeToShard');
    expect(subscribe).toMatchObject({ status: 'fail', side: 'consumer-resource-policy' });
    expect(formatCheck(subscribe!)).toMatch(/\n {5}side: consumer-resource-policy$/);

    proxy.setRules([{ actions: 'DescribeStreamConsumer', fault: 'access-denied', reason: 'resource-based' }]);
    const describe = (await doctor()).find((c) => c.name === 'kinesis:DescribeStreamConsumer');
    expect(describe).toMatchObject({ status: 'fail', side: 'consumer-resource-policy' });

    proxy.setRules([{ actions: 'ListShards', fault: 'access-denied', reason: 'resource-based' }]);
    const list = (await doctor()).find((c) => c.name === 'kinesis:ListShards');
    expect(list).toMatchObject({ status: 'fail', side: 'stream-resource-policy' });
  });
});
