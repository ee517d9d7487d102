/**
 * `streamshare consumer register` (and list, deregister) end to end: the built CLI as a child process,
 * run as the producer account against kinesis-mock: it registers the consumer, waits for ACTIVE,
 * attaches the consumer policy (read back with GetResourcePolicy) and prints the consumer ARN and
 * the consumer account's next steps. Refusals (bad name, principal, region, wait) run in process:
 * they are decided before any call.
 */
import {
  DescribeStreamConsumerCommand,
  GetResourcePolicyCommand,
  type KinesisClient,
  ListStreamConsumersCommand,
} from '@aws-sdk/client-kinesis';
import {
  CONSUMER_ACCOUNT,
  createStream,
  type FaultProxy,
  kinesisClient,
  PRODUCER_ACCOUNT,
  type StsServer,
  type SubscribeServer,
  startFaultProxy,
  startStsServer,
  startSubscribeServer,
} from '@streamshare/testkit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../src/cli/run.js';
import { fanOutConsumerPolicy } from '../src/policy/index.js';
import { runCliToEnd } from './fixtures-cli/cli-process.js';
import { ensureBuilt } from './fixtures-cli/ensure-built.js';
import { memoryIo as io } from './helpers/memory-io.js';

const ROLE = 'arn:aws:iam::888800008888:role/kds-efo-reader';
const STREAM = 'arn:aws:kinesis:us-east-1:999900009999:stream/kds-sharing-example1';

let producer: KinesisClient;
let proxy: FaultProxy;
let endpoint: string;
let server: SubscribeServer;
let sts: StsServer;

beforeAll(async () => {
  endpoint = inject('kinesisEndpoint');
  producer = kinesisClient({ endpoint, account: PRODUCER_ACCOUNT, maxAttempts: 1 });
  proxy = await startFaultProxy({ target: endpoint });
  server = await startSubscribeServer({ kinesisEndpoint: endpoint, defaultScript: { kind: 'live', heartbeatMs: 200 } });
  sts = await startStsServer();
  await ensureBuilt();
}, 240_000);

afterAll(async () => {
  producer?.destroy();
  await proxy?.stop();
  await server?.close();
  await sts?.stop();
});

/** The producer account's environment, every Kinesis call to `target`. */
const producerEnv = (target = endpoint) => ({
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: PRODUCER_ACCOUNT,
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_ENDPOINT_URL_KINESIS: target,
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
});

describe('streamshare consumer register (built CLI, producer account, kinesis-mock)', () => {
  it('registers, waits for ACTIVE, attaches the policy, prints the ARN and the poll line; again: reuses it', async () => {
    const streamArn = await createStream(producer, `cli-consumer-${Date.now()}`, 1);
    const run = await runCliToEnd(
      ['consumer', 'register', '--stream-arn', streamArn, '--name', 'reader-b', '--principal', ROLE],
      producerEnv(),
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const consumerArn = /^ {2}(arn:aws:kinesis:\S+\/consumer\/reader-b:\d+)$/m.exec(run.stdout)?.[1];
    expect(consumerArn, run.stdout).toBeDefined();
    expect(run.stdout).toMatch(/^consumer reader-b on .*: registered, ACTIVE$/m);
    expect(run.stdout).toMatch(
      /^policy: attached to the consumer ARN \(kinesis:DescribeStreamConsumer, kinesis:SubscribeToShard for arn:aws:iam::888800008888:role\/kds-efo-reader\)$/m,
    );
    expect(run.stdout).toContain(
      `streamshare poll --stream-arn ${streamArn} --consumer-arn ${consumerArn} --role-arn ${ROLE}`,
    );
    expect(run.stdout).toContain(`streamshare policy --stream-arn ${streamArn} --principal ${ROLE}`);

    const described = await producer.send(new DescribeStreamConsumerCommand({ ConsumerARN: consumerArn }));
    expect(described.ConsumerDescription?.ConsumerStatus).toBe('ACTIVE');
    const attached = await producer.send(new GetResourcePolicyCommand({ ResourceARN: consumerArn }));
    expect(JSON.parse(attached.Policy ?? '{}')).toEqual(
      JSON.parse(JSON.stringify(fanOutConsumerPolicy(consumerArn!, [ROLE]))),
    );

    const again = await runCliToEnd(
      ['consumer', 'register', '--stream-arn', streamArn, '--name', 'reader-b', '--principal', ROLE, '--json'],
      producerEnv(),
    );
    expect(again.code, again.stderr).toBe(0);
    const json = JSON.parse(again.stdout);
    expect(json).toMatchObject({
      consumerArn,
      registration: 'reused',
      policyAction: 'kept',
      status: 'ACTIVE',
      streamArn,
    });
    expect(json.nextSteps.at(-1)).toMatch(/^consumer account: streamshare poll .*--consumer-arn /);

    const listed = await runCliToEnd(['consumer', 'list', '--stream-arn', streamArn], producerEnv());
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`^ACTIVE\\treader-b\\t${consumerArn}$`, 'm'));
    expect(listed.stdout).toMatch(/^1 consumer\(s\) on /m);

    const gone = await runCliToEnd(['consumer', 'deregister', '--consumer-arn', consumerArn!], producerEnv());
    expect(gone.code, gone.stderr).toBe(0);
    const left = await producer.send(new ListStreamConsumersCommand({ StreamARN: streamArn }));
    expect(left.Consumers ?? []).toEqual([]);
  }, 60_000);

  it('access denied: exit 1, CONSUMER_ACCESS_DENIED naming the owner account and the action, no stack trace', async () => {
    const streamArn = await createStream(producer, `cli-consumer-denied-${Date.now()}`, 1);
    proxy.setRules([{ actions: 'RegisterStreamConsumer', fault: 'access-denied' }]);
    try {
      const run = await runCliToEnd(
        ['consumer', 'register', '--stream-arn', streamArn, '--name', 'reader-b', '--principal', ROLE],
        producerEnv(proxy.endpoint),
      );
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(
        /^streamshare consumer register: CONSUMER_ACCESS_DENIED: kinesis:RegisterStreamConsumer was denied .*account 999900009999/m,
      );
      expect(run.stderr).not.toMatch(/\n\s+at /);
    } finally {
      proxy.setRules([]);
    }
  }, 30_000);
});

describe('the producer registers, the consumer account runs doctor --consumer-arn (built CLI)', () => {
  it('doctor: OK for DescribeStreamConsumer and SubscribeToShard over HTTP/2; a denied subscription names the consumer policy', async () => {
    const streamArn = await createStream(producer, `cli-consumer-doctor-${Date.now()}`, 1);
    const registered = await runCliToEnd(
      ['consumer', 'register', '--stream-arn', streamArn, '--name', 'reader-d', '--principal', ROLE, '--json'],
      producerEnv(),
    );
    expect(registered.code, registered.stderr).toBe(0);
    const { consumerArn } = JSON.parse(registered.stdout) as { consumerArn: string };
    const consumerEnv = {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: CONSUMER_ACCOUNT,
      AWS_SECRET_ACCESS_KEY: 'test',
      // Every Kinesis call over HTTP/2 to the h2c server (SubscribeToShard answered there, the rest forwarded).
      AWS_ENDPOINT_URL_KINESIS: server.endpoint,
      AWS_ENDPOINT_URL_STS: sts.endpoint,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    const args = ['doctor', '--stream-arn', streamArn, '--consumer-arn', consumerArn];
    const calls = server.calls.length;
    const ok = await runCliToEnd(args, consumerEnv);
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toMatch(/^OK {3}kinesis:DescribeStreamConsumer +reader-d is ACTIVE/m);
    expect(ok.stdout).toMatch(
      /^OK {3}kinesis:SubscribeToShard +subscribed to shardId-000000000000 \(LATEST\) over HTTP\/2/m,
    );
    expect(ok.stdout).toMatch(/all checks passed/);
    expect(ok.code).toBe(0);
    expect(server.calls.slice(calls).map((c) => c.consumerArn)).toEqual([consumerArn]);

    server.enqueue({
      kind: 'reject',
      status: 400,
      type: 'AccessDeniedException',
      message: `User: arn:aws:iam::888800008888:user/me is not authorized to perform: kinesis:SubscribeToShard on resource: ${consumerArn} because no resource-based policy allows the kinesis:SubscribeToShard action`,
    });
    const denied = await runCliToEnd(args, consumerEnv);
    expect(denied.code).toBe(1);
    expect(denied.stdout).toMatch(/^FAIL kinesis:SubscribeToShard +access denied: /m);
    expect(denied.stdout).toMatch(
      /^ {5}fix: the consumer's resource-based policy \(attached to .* by the producer account 999900009999\)/m,
    );
    expect(denied.stdout).toMatch(/1 check\(s\) failed/);
  }, 60_000);
});

describe('streamshare consumer register: refusals before any call (exit 2)', () => {
  const register = async (...extra: string[]) => {
    const t = io();
    const code = await runCli(['consumer', 'register', ...extra], t.io);
    return { code, out: t.out(), err: t.err() };
  };
  const base = ['--stream-arn', STREAM, '--principal', ROLE];

  it('a name AWS would refuse, naming the rule', async () => {
    const spaced = await register(...base, '--name', 'reader b');
    expect(spaced.code).toBe(2);
    expect(spaced.err).toMatch(
      /INVALID_CONSUMER_NAME: --name: consumer name "reader b" has " ", which is not allowed: a consumer name is 1-128 characters of A-Z a-z 0-9 _ \. -/,
    );
    const long = await register(...base, '--name', 'r'.repeat(129));
    expect(long.code).toBe(2);
    expect(long.err).toMatch(/is 129 characters long \(at most 128\)/);
    expect((await register(...base, '--name', 'r'.repeat(128), '--region', 'eu-west-1')).code).toBe(2);
  });

  it('missing or bad flags: --principal, --stream-arn, --region, --wait-seconds, a subcommand', async () => {
    const noPrincipal = await register('--stream-arn', STREAM, '--name', 'r');
    expect(noPrincipal).toMatchObject({ code: 2 });
    expect(noPrincipal.err).toMatch(/--principal ROLE_ARN is required/);
    const lambda = await register(
      '--stream-arn',
      STREAM,
      '--name',
      'r',
      '--principal',
      'arn:aws:lambda:us-east-1:888800008888:function:f',
    );
    expect(lambda.code).toBe(2);
    expect(lambda.err).toMatch(/--principal: .* is not an IAM role ARN/);
    const consumerAsStream = await register(
      '--stream-arn',
      `${STREAM}/consumer/c:1`,
      '--name',
      'r',
      '--principal',
      ROLE,
    );
    expect(consumerAsStream.code).toBe(2);
    expect(consumerAsStream.err).toMatch(/--stream-arn: .* is not a stream ARN/);
    const region = await register(...base, '--name', 'r', '--region', 'eu-west-1');
    expect(region.err).toMatch(/--region: "eu-west-1" is not the stream's region \(us-east-1/);
    const wait = await register(...base, '--name', 'r', '--wait-seconds', '0');
    expect(wait.code).toBe(2);
    expect(wait.err).toMatch(/--wait-seconds: "0" is not a whole number from 1 to 3600/);
    const t = io();
    expect(await runCli(['consumer', 'create'], t.io)).toBe(2);
    expect(t.err()).toMatch(/unknown subcommand "create": register, list or deregister/);
  });
});
