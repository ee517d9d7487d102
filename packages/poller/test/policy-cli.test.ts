import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
import { runCli } from '../src/cli/run.js';
import { runCliToEnd } from './fixtures-cli/cli-process.js';
import { ensureBuilt } from './fixtures-cli/ensure-built.js';
import { memoryIo as io } from './helpers/memory-io.js';

const STREAM = 'arn:aws:kinesis:us-east-1:999900009999:stream/kds-sharing-example1';
const ROLE = 'arn:aws:iam::888800008888:role/service-role/kds-reader1-role-q6zcv9kq';

describe('streamshare policy', () => {
  it('prints the stream policy with the five actions for the role', async () => {
    const t = io();
    expect(await runCli(['policy', '--stream-arn', STREAM, '--principal', ROLE], t.io)).toBe(0);
    const policy = JSON.parse(t.out());
    expect(policy.Statement[0]).toEqual({
      Sid: 'StreamshareCrossAccountRead',
      Effect: 'Allow',
      Principal: { AWS: ROLE },
      Action: [
        'kinesis:DescribeStream',
        'kinesis:DescribeStreamSummary',
        'kinesis:GetRecords',
        'kinesis:GetShardIterator',
        'kinesis:ListShards',
      ],
      Resource: STREAM,
    });
  });

  it('takes several principals, a fan-out consumer or an event bus', async () => {
    const several = io();
    await runCli(
      ['policy', '--stream-arn', STREAM, '--principal', ROLE, '--principal', 'arn:aws:iam::777700007777:root'],
      several.io,
    );
    expect(JSON.parse(several.out()).Statement[0].Principal.AWS).toHaveLength(2);
    const bus = io();
    await runCli(
      ['policy', '--event-bus', 'arn:aws:events:ap-northeast-1:777700007777:event-bus/kds', '--principal', ROLE],
      bus.io,
    );
    expect(JSON.parse(bus.out()).Statement[0].Action).toBe('events:PutEvents');
    const efo = io();
    await runCli(['policy', '--consumer-arn', `${STREAM}/consumer/c1:1700000000`, '--principal', ROLE], efo.io);
    expect(JSON.parse(efo.out()).Statement[0].Action).toContain('kinesis:SubscribeToShard');
  });

  it('refuses a Lambda function ARN as principal with exit code 2', async () => {
    const t = io();
    const code = await runCli(
      ['policy', '--stream-arn', STREAM, '--principal', 'arn:aws:lambda:us-east-1:888800008888:function:kds-reader1'],
      t.io,
    );
    expect(code).toBe(2);
    expect(t.err()).toMatch(/lambda-function.*IAM role ARN/);
  });

  it('lints a policy file: exit 1 and the console hint when DescribeStream is missing, 0 when complete', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'policy-lint-'));
    const good = io(dir);
    await runCli(['policy', '--stream-arn', STREAM, '--principal', ROLE], good.io);
    await writeFile(join(dir, 'good.json'), good.out());
    const lintGood = io(dir);
    expect(await runCli(['policy', 'lint', 'good.json', '--stream-arn', STREAM], lintGood.io)).toBe(0);
    expect(lintGood.out()).toMatch(/^ok: /m);

    const policy = JSON.parse(good.out());
    policy.Statement[0].Action = policy.Statement[0].Action.filter((a: string) => a !== 'kinesis:DescribeStream');
    policy.Statement[0].Principal = { AWS: 'arn:aws:kinesis:us-east-1:888800008888:stream/mine' };
    await writeFile(join(dir, 'bad.json'), JSON.stringify(policy));
    const lintBad = io(dir);
    expect(await runCli(['policy', 'lint', 'bad.json', '--stream-arn', STREAM], lintBad.io)).toBe(1);
    expect(lintBad.out()).toMatch(/error MISSING_ACTION: kinesis:DescribeStream .*visual policy editor/);
    expect(lintBad.out()).toMatch(/error BAD_PRINCIPAL: .*is a stream ARN/);

    await writeFile(join(dir, 'broken.json'), '{"Version": ');
    const lintBroken = io(dir);
    expect(await runCli(['policy', 'lint', 'broken.json', '--stream-arn', STREAM], lintBroken.io)).toBe(1);
    expect(lintBroken.out()).toMatch(/NOT_JSON/);
  });
});

describe('streamshare doctor (built CLI, as a child process)', () => {
  let proxy: FaultProxy;
  let sts: StsServer;
  let streamArn: string;

  beforeAll(async () => {
    await ensureBuilt();
    const endpoint = inject('kinesisEndpoint');
    streamArn = await createStream(
      kinesisClient({ endpoint, account: PRODUCER_ACCOUNT }),
      `doctor-cli-${Date.now()}`,
      1,
    );
    proxy = await startFaultProxy({ target: endpoint });
    sts = await startStsServer();
  }, 240_000);
  afterAll(async () => {
    await proxy?.stop();
    await sts?.stop();
  });

  const env = () => ({
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: CONSUMER_ACCOUNT,
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL_KINESIS: proxy.endpoint,
    AWS_ENDPOINT_URL_STS: sts.endpoint,
    // The SDK's notice about Node 20 would be the only stderr output.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });

  it('prints OK for every check and exits 0', async () => {
    proxy.setRules([]);
    const run = await runCliToEnd(['doctor', '--stream-arn', streamArn, '--lambda-region', 'us-east-1'], env());
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/^OK {3}kinesis:DescribeStream /m);
    expect(run.stdout).toMatch(/all checks passed/);
    expect(run.code).toBe(0);
  });

  it('names the missing permission and the side that must add it, exit 1', async () => {
    proxy.setRules([{ actions: 'DescribeStream', fault: 'access-denied', reason: 'resource-based' }]);
    const run = await runCliToEnd(['doctor', '--stream-arn', streamArn, '--lambda-region', 'eu-west-1'], env());
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^FAIL kinesis:DescribeStream /m);
    expect(run.stdout).toMatch(/fix: the stream's resource-based policy \(producer account 999900009999\)/);
    expect(run.stdout).toMatch(/^FAIL region .*eu-west-1/m);
  });

  it('runs the checks as an assumed role with --role-arn', async () => {
    proxy.setRules([]);
    const roleArn = `arn:aws:iam::${CONSUMER_ACCOUNT}:role/kds-reader1-role`;
    const run = await runCliToEnd(['doctor', '--stream-arn', streamArn, '--role-arn', roleArn], env());
    expect(run.code).toBe(0);
    expect(sts.calls.some((c) => c.action === 'AssumeRole' && c.roleArn === roleArn)).toBe(true);
    expect(run.stdout).toMatch(/assumed-role\/kds-reader1-role/);
  });
});
