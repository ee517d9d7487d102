/**
 * `registerConsumer` (the producer side of `streamshare consumer register`) with the real Kinesis
 * client: against kinesis-mock (register, CREATING then ACTIVE, the policy attached and read back,
 * reuse, the 5-at-a-time and 20-per-stream limits), through the fault proxy (access denied), and
 * against a scripted Kinesis endpoint for the states kinesis-mock never shows for long (a consumer
 * DELETING, one that stays CREATING).
 */
import { createServer, type Server } from 'node:http';
import {
  DescribeStreamConsumerCommand,
  GetResourcePolicyCommand,
  type KinesisClient,
  PutResourcePolicyCommand,
} from '@aws-sdk/client-kinesis';
import {
  closeServer,
  createStream,
  type FaultProxy,
  type KinesisMock,
  kinesisClient,
  listenOnLoopback,
  PRODUCER_ACCOUNT,
  readBody,
  startFaultProxy,
  startKinesisMock,
} from '@streamshare/testkit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { hostileThrownValues } from '../../core/test/fixtures/hostile-thrown.js';
import { consumerCallError, listConsumers } from '../src/admin/consumer-calls.js';
import { type RegisterConsumerOptions, registerConsumer } from '../src/admin/consumer-register.js';
import { fanOutConsumerPolicy, lintConsumerPolicy } from '../src/policy/index.js';

const ROLE = 'arn:aws:iam::888800008888:role/kds-efo-reader';
const FAST = { minMs: 20, maxMs: 100 };

let producer: KinesisClient;
let proxy: FaultProxy;
/** A kinesis-mock whose consumers stay CREATING for 1 s (the project's one passes 10 ms). */
let slowMock: KinesisMock;
let slow: KinesisClient;

beforeAll(async () => {
  const endpoint = inject('kinesisEndpoint');
  producer = kinesisClient({ endpoint, account: PRODUCER_ACCOUNT, maxAttempts: 1 });
  proxy = await startFaultProxy({ target: endpoint });
  slowMock = await startKinesisMock({ env: { REGISTER_STREAM_CONSUMER_DURATION: '1s' } });
  slow = kinesisClient({ endpoint: slowMock.endpoint, account: PRODUCER_ACCOUNT, maxAttempts: 1 });
}, 120_000);

afterAll(async () => {
  producer?.destroy();
  slow?.destroy();
  await proxy?.stop();
  await slowMock?.stop();
});

const stream = (name: string, client = slow) =>
  createStream(client, `${name}-${Date.now()}-${Math.floor(Math.random() * 1e6)}`, 1);
const register = (options: Partial<RegisterConsumerOptions> & { streamArn: string; consumerName: string }) =>
  registerConsumer({ kinesis: slow, principals: [ROLE], waitSeconds: 20, pollBackoff: FAST, ...options });

describe('registerConsumer against kinesis-mock', () => {
  it('registers, waits until ACTIVE, attaches the generated policy; a second run reuses the consumer and keeps the policy', async () => {
    const streamArn = await stream('efo-register');
    const started = Date.now();
    const first = await register({ streamArn, consumerName: 'reader-b' });
    // The consumer was CREATING for 1 s: registerConsumer waited for it (PutResourcePolicy needs ACTIVE on AWS).
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(first).toMatchObject({
      registration: 'registered',
      policyAction: 'attached',
      consumerName: 'reader-b',
      streamArn,
    });
    expect(first.consumerArn).toMatch(new RegExp(`^${streamArn}/consumer/reader-b:\\d+$`));
    const described = await slow.send(new DescribeStreamConsumerCommand({ ConsumerARN: first.consumerArn }));
    expect(described.ConsumerDescription?.ConsumerStatus).toBe('ACTIVE');
    const attached = await slow.send(new GetResourcePolicyCommand({ ResourceARN: first.consumerArn }));
    const policy = JSON.parse(attached.Policy ?? '{}');
    expect(policy).toEqual(JSON.parse(JSON.stringify(fanOutConsumerPolicy(first.consumerArn, [ROLE]))));
    expect(lintConsumerPolicy(policy, first.consumerArn, { principals: [ROLE] })).toEqual([]);

    const again = await register({ streamArn, consumerName: 'reader-b' });
    expect(again).toMatchObject({ registration: 'reused', policyAction: 'kept', consumerArn: first.consumerArn });
  });

  it('a consumer policy that does not grant the role is refused (CONSUMER_POLICY_EXISTS), replaced with replacePolicy', async () => {
    const streamArn = await stream('efo-policy');
    const { consumerArn } = await register({ streamArn, consumerName: 'reader-c' });
    const other = fanOutConsumerPolicy(consumerArn, ['arn:aws:iam::777700007777:role/other']);
    await slow.send(new PutResourcePolicyCommand({ ResourceARN: consumerArn, Policy: JSON.stringify(other) }));
    await expect(register({ streamArn, consumerName: 'reader-c' })).rejects.toMatchObject({
      code: 'CONSUMER_POLICY_EXISTS',
      message: expect.stringMatching(
        /does not let arn:aws:iam::888800008888:role\/kds-efo-reader subscribe.*--replace-policy/,
      ),
    });
    const replaced = await register({ streamArn, consumerName: 'reader-c', replacePolicy: true });
    expect(replaced.policyAction).toBe('replaced');
    const now = await slow.send(new GetResourcePolicyCommand({ ResourceARN: consumerArn }));
    expect(JSON.parse(now.Policy ?? '{}').Statement[0].Principal.AWS).toBe(ROLE);
  });

  it('20 registrations at once get past the 5-at-a-time limit (retried); the 21st is CONSUMER_LIMIT, naming them', async () => {
    const streamArn = await stream('efo-limit');
    const names = Array.from({ length: 20 }, (_, i) => `reader-${i}`);
    // Counts the LimitExceededException answers the registrations got (kinesis-mock: 5 CREATING at a time).
    const counting = kinesisClient({ endpoint: slowMock.endpoint, account: PRODUCER_ACCOUNT, maxAttempts: 1 });
    let limited = 0;
    counting.middlewareStack.add(
      (next) => async (args) => {
        try {
          return await next(args);
        } catch (error) {
          if ((error as { name?: unknown }).name === 'LimitExceededException') limited++;
          throw error;
        }
      },
      { step: 'initialize' },
    );
    const done = await Promise.all(
      names.map((consumerName) => register({ kinesis: counting, streamArn, consumerName })),
    ).finally(() => counting.destroy());
    expect(limited).toBeGreaterThan(0);
    expect(done.map((d) => d.registration)).toEqual(names.map(() => 'registered'));
    expect((await listConsumers(slow, streamArn)).length).toBe(20);
    const refused = await register({ streamArn, consumerName: 'reader-20' }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'CONSUMER_LIMIT' });
    expect((refused as Error).message).toMatch(
      /has 20 consumers, AWS's limit is 20 per stream .*deregister.*reader-0 \(ACTIVE\)/,
    );
  }, 60_000);

  it('refuses a bad name before any call, naming the character', async () => {
    await expect(
      register({ streamArn: 'arn:aws:kinesis:us-east-1:999900009999:stream/none', consumerName: 'reader b' }),
    ).rejects.toMatchObject({
      code: 'INVALID_CONSUMER_NAME',
      message: expect.stringMatching(/has " ", which is not allowed: a consumer name is 1-128 characters/),
    });
    await expect(
      register({ streamArn: 'arn:aws:kinesis:us-east-1:999900009999:stream/none', consumerName: 'x'.repeat(129) }),
    ).rejects.toMatchObject({ code: 'INVALID_CONSUMER_NAME', message: expect.stringMatching(/129 characters long/) });
  });

  it('access denied: says the stream owner account must run it and which action it needs', async () => {
    const streamArn = await stream('efo-denied', producer);
    const through = kinesisClient({ endpoint: proxy.endpoint, account: PRODUCER_ACCOUNT, maxAttempts: 1 });
    try {
      proxy.setRules([{ actions: 'RegisterStreamConsumer', fault: 'access-denied', reason: 'identity-based' }]);
      const denied = await registerConsumer({
        kinesis: through,
        streamArn,
        consumerName: 'r',
        principals: [ROLE],
      }).catch((e: unknown) => e);
      expect(denied).toMatchObject({ code: 'CONSUMER_ACCESS_DENIED' });
      expect((denied as Error).message).toMatch(
        /kinesis:RegisterStreamConsumer was denied .*account 999900009999: run this with credentials of account 999900009999 .*allows kinesis:RegisterStreamConsumer .*cannot register a consumer on a stream it does not own/,
      );
      proxy.setRules([{ actions: 'PutResourcePolicy', fault: 'access-denied' }]);
      const put = await registerConsumer({
        kinesis: through,
        streamArn,
        consumerName: 'r',
        principals: [ROLE],
        pollBackoff: FAST,
      }).catch((e: unknown) => e);
      expect(put).toMatchObject({ code: 'CONSUMER_ACCESS_DENIED' });
      expect((put as Error).message).toMatch(/kinesis:PutResourcePolicy was denied on .*\/consumer\/r:\d+/);
    } finally {
      proxy.setRules([]);
      through.destroy();
    }
  });
});

/** A Kinesis JSON endpoint whose answers a test scripts: `answer(action, body)` returns [status, body]. */
async function scriptedKinesis(answer: (action: string, body: Record<string, unknown>) => [number, unknown]) {
  const calls: string[] = [];
  const server: Server = createServer(async (req, res) => {
    const action = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
    calls.push(action);
    const [status, body] = answer(action, JSON.parse((await readBody(req)).toString('utf8') || '{}'));
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
    res.end(JSON.stringify(body));
  });
  const { endpoint } = await listenOnLoopback(server);
  const client = kinesisClient({ endpoint, account: PRODUCER_ACCOUNT, maxAttempts: 1 });
  return {
    calls,
    client,
    close: async () => {
      client.destroy();
      await closeServer(server);
    },
  };
}

const STREAM = 'arn:aws:kinesis:us-east-1:999900009999:stream/scripted';
const description = (status: string, at = 1_700_000_000) => ({
  ConsumerDescription: {
    ConsumerName: 'reader-b',
    ConsumerARN: `${STREAM}/consumer/reader-b:${at}`,
    ConsumerStatus: status,
    ConsumerCreationTimestamp: at,
    StreamARN: STREAM,
  },
});
/** registerConsumer of reader-b on the scripted stream: its result, or what it threw. */
const registerScripted = (kinesis: KinesisClient, options: Partial<RegisterConsumerOptions>) =>
  registerConsumer({ kinesis, streamArn: STREAM, consumerName: 'reader-b', principals: [ROLE], ...options }).catch(
    (e: unknown) => e,
  );
const inUse: [number, unknown] = [400, { __type: 'ResourceInUseException', message: 'Consumer reader-b exists' }];
const notFound: [number, unknown] = [400, { __type: 'ResourceNotFoundException', message: 'not found' }];

describe('registerConsumer against a scripted endpoint (states kinesis-mock passes too fast)', () => {
  it('a consumer of that name DELETING past the wait: CONSUMER_DELETING, naming it', async () => {
    const kinesis = await scriptedKinesis((action) =>
      action === 'RegisterStreamConsumer' ? inUse : [200, description('DELETING')],
    );
    try {
      const started = Date.now();
      const error = await registerScripted(kinesis.client, { waitSeconds: 1, pollBackoff: { minMs: 100, maxMs: 200 } });
      expect(error).toMatchObject({ code: 'CONSUMER_DELETING' });
      expect((error as Error).message).toMatch(
        /consumer reader-b of .*scripted is being deleted \(DELETING\) .*after 1 s/,
      );
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(kinesis.calls.filter((c) => c === 'DescribeStreamConsumer').length).toBeGreaterThan(2);
    } finally {
      await kinesis.close();
    }
  });

  it('DELETING, then gone: registers again, waits for ACTIVE and attaches the policy to the new ARN', async () => {
    let describes = 0;
    let registered = false;
    const kinesis = await scriptedKinesis((action) => {
      if (action === 'RegisterStreamConsumer') {
        if (describes < 2) return inUse;
        registered = true;
        return [
          200,
          { Consumer: { ...description('CREATING', 1_700_000_100).ConsumerDescription, StreamARN: undefined } },
        ];
      }
      if (action === 'DescribeStreamConsumer') {
        describes++;
        if (!registered) return describes <= 2 ? [200, description('DELETING')] : notFound;
        return [200, description(describes < 5 ? 'CREATING' : 'ACTIVE', 1_700_000_100)];
      }
      if (action === 'GetResourcePolicy') return notFound;
      return [200, {}];
    });
    try {
      const result = await registerScripted(kinesis.client, { waitSeconds: 10, pollBackoff: FAST });
      expect(result).toMatchObject({
        registration: 'registered',
        consumerArn: `${STREAM}/consumer/reader-b:1700000100`,
      });
      expect(kinesis.calls.at(-1)).toBe('PutResourcePolicy');
    } finally {
      await kinesis.close();
    }
  });

  it('a consumer that stays CREATING: CONSUMER_WAIT_TIMEOUT naming the consumer and its status, no policy put', async () => {
    const kinesis = await scriptedKinesis((action) =>
      action === 'RegisterStreamConsumer'
        ? [200, { Consumer: { ...description('CREATING').ConsumerDescription, StreamARN: undefined } }]
        : [200, description('CREATING')],
    );
    try {
      const error = await registerScripted(kinesis.client, { waitSeconds: 1, pollBackoff: { minMs: 100, maxMs: 200 } });
      expect(error).toMatchObject({ code: 'CONSUMER_WAIT_TIMEOUT' });
      expect((error as Error).message).toMatch(
        /consumer reader-b \(.*consumer\/reader-b:1700000000\) was not ACTIVE after 1 s \(last status: CREATING\)/,
      );
      expect(kinesis.calls).not.toContain('PutResourcePolicy');
    } finally {
      await kinesis.close();
    }
  });
});

describe('consumerCallError', () => {
  it.each(Object.entries(hostileThrownValues))(
    'turns a hostile thrown value (%s) into a typed error without throwing',
    (_, make) => {
      const error = consumerCallError(
        { action: 'RegisterStreamConsumer', streamArn: STREAM, consumerName: 'r' },
        make(),
      );
      expect(error.code).toBe('CONSUMER_CALL_FAILED');
      expect(error.message).toMatch(
        /^kinesis:RegisterStreamConsumer failed on .*scripted\/consumer\/r:\* \(consumer r\): /,
      );
    },
  );
});
