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
    expect(lintBad.out()).toMatch(/^error MISSING_ACTION at Statement: kinesis:DescribeStream .*visual policy editor/m);
    expect(lintBad.out()).toMatch(/^error BAD_PRINCIPAL at Statement\[0\]\.Principal\.AWS: .*is a stream ARN/m);

    await writeFile(join(dir, 'broken.json'), '{"Version": ');
    const lintBroken = io(dir);
    expect(await runCli(['policy', 'lint', 'broken.json', '--stream-arn', STREAM], lintBroken.io)).toBe(1);
    expect(lintBroken.out()).toMatch(/^error NOT_JSON at \$: /m);
  });
});

describe('streamshare policy lint: verdicts and exit codes', () => {
  const lintFile = async (policy: unknown, extra: string[] = []) => {
    const dir = await mkdtemp(join(tmpdir(), 'policy-lint-'));
    await writeFile(join(dir, 'policy.json'), typeof policy === 'string' ? policy : JSON.stringify(policy));
    const t = io(dir);
    const code = await runCli(['policy', 'lint', 'policy.json', '--stream-arn', STREAM, ...extra], t.io);
    return { code, out: t.out(), err: t.err() };
  };
  const printed = () => {
    const t = io();
    return runCli(['policy', '--stream-arn', STREAM, '--principal', ROLE], t.io).then(() => JSON.parse(t.out()));
  };

  it('wrong JSON types: one line per finding with its JSON path, exit 1, nothing on stderr', async () => {
    const policy = await printed();
    policy.Statement[0].Action = 5;
    policy.Statement[0].Resource = [null];
    policy.Statement[0].Principal = { AWS: 12 };
    const run = await lintFile(policy);
    expect(run.code).toBe(1);
    expect(run.err).toBe('');
    expect(run.out).toMatch(/^error BAD_TYPE at Statement\[0\]\.Principal\.AWS: .*not a number$/m);
    expect(run.out).toMatch(/^error BAD_TYPE at Statement\[0\]\.Action: /m);
    expect(run.out).toMatch(/^error BAD_TYPE at Statement\[0\]\.Resource\[0\]: .*not null$/m);
    expect(run.out).toMatch(/^3 error\(s\) in /m);
    for (const document of ['5', '"x"', 'null', '{"Statement": "x"}', '{"Statement": [1, []]}']) {
      const other = await lintFile(document);
      expect(other.code).toBe(1);
      expect(other.err).toBe('');
      expect(other.out).toMatch(/^error (NOT_A_POLICY at \$|BAD_TYPE at Statement)/m);
    }
  });

  it('exit 0 for the SecureTransport Deny, a Deny for another role and a "cannot tell" warning; 1 for Effect "deny"', async () => {
    const policy = await printed();
    policy.Statement.push(
      {
        Effect: 'Deny',
        Principal: '*',
        Action: 'kinesis:*',
        Resource: STREAM,
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
      { Effect: 'Deny', Principal: { AWS: 'arn:aws:iam::777700007777:role/other' }, Action: '*', Resource: '*' },
    );
    const clean = await lintFile(policy);
    expect(clean).toMatchObject({ code: 0, err: '' });
    expect(clean.out).toMatch(/^ok: .* lets its principals read /m);

    policy.Statement.push({
      Effect: 'Deny',
      Principal: '*',
      Action: 'kinesis:GetRecords',
      Resource: STREAM,
      Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } },
    });
    const unsure = await lintFile(policy);
    expect(unsure.code).toBe(0);
    expect(unsure.out).toMatch(
      /^warning CANNOT_TELL at Statement\[3\]: cannot tell whether statement 3 denies kinesis:GetRecords/m,
    );
    expect(unsure.out).toMatch(/^ok: no error in .*, but 1 CANNOT_TELL warning\(s\): .*\(1 warning\(s\)\)$/m);

    policy.Statement[3].Effect = 'deny';
    const invalid = await lintFile(policy);
    expect(invalid.code).toBe(1);
    expect(invalid.out).toMatch(/^error INVALID_EFFECT at Statement\[3\]\.Effect: .*case-sensitive/m);
  });

  it('--principal checks that role; a bad --principal, --stream-arn or file is a usage error (exit 2)', async () => {
    const policy = await printed();
    expect((await lintFile(policy, ['--principal', ROLE])).code).toBe(0);
    const other = await lintFile(policy, ['--principal', 'arn:aws:iam::777700007777:role/other']);
    expect(other.code).toBe(1);
    expect(other.out).toMatch(/^error MISSING_ACTION at Statement: kinesis:GetRecords .*777700007777:role\/other/m);
    const bad = await lintFile(policy, ['--principal', 'arn:aws:lambda:us-east-1:1:function:f']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--principal: .*not an IAM role/);

    const t = io();
    expect(await runCli(['policy', 'lint', 'p.json', '--stream-arn', 'my-stream'], t.io)).toBe(2);
    expect(t.err()).toMatch(/--stream-arn: "my-stream" is not a stream ARN/);
    const dir = await mkdtemp(join(tmpdir(), 'policy-lint-'));
    const missing = io(dir);
    expect(await runCli(['policy', 'lint', 'nope.json', '--stream-arn', STREAM], missing.io)).toBe(2);
    expect(missing.err()).toMatch(/cannot read policy file .*nope\.json/);
    const directory = io(dir);
    expect(await runCli(['policy', 'lint', '.', '--stream-arn', STREAM], directory.io)).toBe(2);
    expect(directory.err()).toMatch(/not a regular file/);
  });

  it('a file far larger than a policy is refused without being read whole (exit 1)', async () => {
    const run = await lintFile(`{"Statement": [${'{},'.repeat(400_000)}{}]}`);
    expect(run.code).toBe(1);
    expect(run.out).toMatch(/^error TOO_LARGE at \$: /m);
  });
});

describe('streamshare policy lint (built CLI, as a child process)', () => {
  beforeAll(() => ensureBuilt(), 240_000);

  it('a policy with wrong JSON types prints findings with paths and exits 1, no stack trace', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'policy-lint-cli-'));
    await writeFile(
      join(dir, 'policy.json'),
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: 12 }, Action: 5, Resource: [null] }],
      }),
    );
    const run = await runCliToEnd(['policy', 'lint', 'policy.json', '--stream-arn', STREAM], {}, dir);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/^error BAD_TYPE at Statement\[0\]\.Principal\.AWS: /m);
    expect(run.stdout).not.toMatch(/\n\s+at /);
    expect(run.code).toBe(1);
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
