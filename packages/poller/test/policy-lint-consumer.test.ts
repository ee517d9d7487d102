/**
 * `lintConsumerPolicy` and `streamshare policy lint --consumer-arn`: the policy an enhanced fan-out
 * consumer carries (attached to the consumer ARN) must allow kinesis:DescribeStreamConsumer and
 * kinesis:SubscribeToShard to the consumer role, on the consumer ARN (not the stream).
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/run.js';
import { fanOutConsumerPolicy, lintConsumerPolicy } from '../src/policy/index.js';
import { memoryIo as io } from './helpers/memory-io.js';

const STREAM = 'arn:aws:kinesis:us-east-1:999900009999:stream/kds-sharing-example1';
const CONSUMER = `${STREAM}/consumer/reader-b:1709100911`;
const ROLE = 'arn:aws:iam::888800008888:role/service-role/kds-reader1-role-q6zcv9kq';

type Finding = ReturnType<typeof lintConsumerPolicy>[number];
const codes = (findings: readonly Finding[]) => findings.map((f) => `${f.severity}:${f.code}`);
/** The generated policy as plain JSON, to edit. */
const generated = () => JSON.parse(JSON.stringify(fanOutConsumerPolicy(CONSUMER, [ROLE])));

describe('lintConsumerPolicy', () => {
  it('the policy `policy --consumer-arn` prints (and `consumer register` attaches) is clean, for its role too', () => {
    expect(lintConsumerPolicy(generated(), CONSUMER)).toEqual([]);
    expect(lintConsumerPolicy(generated(), CONSUMER, { principals: [ROLE] })).toEqual([]);
  });

  it('missing SubscribeToShard is an error that says it is the read itself', () => {
    const policy = generated();
    policy.Statement[0].Action = ['kinesis:DescribeStreamConsumer'];
    const findings = lintConsumerPolicy(policy, CONSUMER);
    expect(codes(findings)).toEqual(['error:MISSING_ACTION']);
    expect(findings[0]?.message).toMatch(
      /^kinesis:SubscribeToShard is not allowed on .*consumer\/reader-b:1709100911 to .*kds-reader1/,
    );
    expect(findings[0]?.message).toMatch(/enhanced fan-out read itself/);
  });

  it('missing DescribeStreamConsumer is an error too', () => {
    const policy = generated();
    policy.Statement[0].Action = 'kinesis:SubscribeToShard';
    const findings = lintConsumerPolicy(policy, CONSUMER);
    expect(codes(findings)).toEqual(['error:MISSING_ACTION']);
    expect(findings[0]?.message).toMatch(/^kinesis:DescribeStreamConsumer .*before they subscribe/);
  });

  it('a stream ARN as Resource: STREAM_RESOURCE, and neither action is granted on the consumer', () => {
    const policy = generated();
    policy.Statement[0].Resource = STREAM;
    const findings = lintConsumerPolicy(policy, CONSUMER);
    expect(codes(findings)).toEqual(['error:STREAM_RESOURCE', 'error:MISSING_ACTION', 'error:MISSING_ACTION']);
    expect(findings[0]).toMatchObject({ path: 'Statement[0].Resource', statement: 0 });
    expect(findings[0]?.message).toMatch(/names the stream .*applies to the consumer ARN only.*stream's own policy/);
  });

  it('the consumer ARN of an earlier registration (another timestamp) is a RESOURCE_MISMATCH that says why', () => {
    const policy = generated();
    policy.Statement[0].Resource = `${STREAM}/consumer/reader-b:1600000000`;
    const findings = lintConsumerPolicy(policy, CONSUMER);
    expect(findings[0]?.code).toBe('RESOURCE_MISMATCH');
    expect(findings[0]?.message).toMatch(/created at "1600000000".*has 1709100911: the consumer was registered again/);
  });

  it('a wildcard over the consumer ARN applies (no finding)', () => {
    const policy = generated();
    policy.Statement[0].Resource = `${STREAM}/consumer/reader-b:*`;
    expect(lintConsumerPolicy(policy, CONSUMER)).toEqual([]);
  });

  it('stream actions in a consumer policy grant nothing: NOT_A_CONSUMER_ACTION names them', () => {
    const policy = generated();
    policy.Statement[0].Action = [
      'kinesis:DescribeStreamConsumer',
      'kinesis:SubscribeToShard',
      'kinesis:GetRecords',
      'kinesis:ListShards',
    ];
    const findings = lintConsumerPolicy(policy, CONSUMER);
    expect(codes(findings)).toEqual(['warning:NOT_A_CONSUMER_ACTION']);
    expect(findings[0]?.message).toMatch(
      /grants kinesis:GetRecords, kinesis:ListShards on a consumer, where they grant nothing/,
    );
  });

  it('a "*" principal and kinesis:* are warnings (kinesis:* includes deregistering the consumer)', () => {
    const policy = generated();
    policy.Statement[0].Principal = '*';
    policy.Statement[0].Action = 'kinesis:*';
    const findings = lintConsumerPolicy(policy, CONSUMER);
    expect(codes(findings)).toEqual(['warning:WILDCARD_PRINCIPAL', 'warning:WILDCARD_ACTION']);
    expect(findings[0]?.message).toMatch(/could subscribe to the stream through the consumer/);
    expect(findings[1]?.message).toMatch(
      /kinesis:DeregisterStreamConsumer.*grant kinesis:DescribeStreamConsumer and kinesis:SubscribeToShard only/,
    );
  });

  it('a Deny of SubscribeToShard for the role wins; another role is checked with principals', () => {
    const policy = generated();
    policy.Statement.push({
      Effect: 'Deny',
      Principal: { AWS: ROLE },
      Action: 'kinesis:SubscribeToShard',
      Resource: CONSUMER,
    });
    expect(codes(lintConsumerPolicy(policy, CONSUMER))).toEqual(['error:DENIED_ACTION']);
    const other = lintConsumerPolicy(generated(), CONSUMER, { principals: ['arn:aws:iam::777700007777:role/other'] });
    expect(codes(other)).toEqual(['error:MISSING_ACTION', 'error:MISSING_ACTION']);
  });

  it('refuses an ARN that is not a consumer ARN', () => {
    expect(() => lintConsumerPolicy(generated(), STREAM)).toThrow(expect.objectContaining({ code: 'INVALID_ARN' }));
  });
});

describe('streamshare policy lint --consumer-arn', () => {
  const lintFile = async (policy: unknown, flags: string[]) => {
    const dir = await mkdtemp(join(tmpdir(), 'policy-lint-consumer-'));
    await writeFile(join(dir, 'policy.json'), JSON.stringify(policy));
    const t = io(dir);
    const code = await runCli(['policy', 'lint', 'policy.json', ...flags], t.io);
    return { code, out: t.out(), err: t.err() };
  };

  it('exit 0 for the printed policy, 1 with STREAM_RESOURCE for a stream-level one, 2 for a bad flag', async () => {
    const printed = io();
    expect(await runCli(['policy', '--consumer-arn', CONSUMER, '--principal', ROLE], printed.io)).toBe(0);
    const good = await lintFile(JSON.parse(printed.out()), ['--consumer-arn', CONSUMER]);
    expect(good).toMatchObject({ code: 0, err: '' });
    expect(good.out).toMatch(/^ok: .* lets its principals subscribe through .*consumer\/reader-b:1709100911$/m);

    const policy = JSON.parse(printed.out());
    policy.Statement[0].Resource = STREAM;
    const bad = await lintFile(policy, ['--consumer-arn', CONSUMER, '--principal', ROLE]);
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/^error STREAM_RESOURCE at Statement\[0\]\.Resource: /m);
    expect(bad.out).toMatch(/^error MISSING_ACTION at Statement: kinesis:SubscribeToShard /m);

    const both = await lintFile(policy, ['--consumer-arn', CONSUMER, '--stream-arn', STREAM]);
    expect(both.code).toBe(2);
    expect(both.err).toMatch(/not both/);
    const notConsumer = await lintFile(policy, ['--consumer-arn', STREAM]);
    expect(notConsumer.code).toBe(2);
    expect(notConsumer.err).toMatch(/--consumer-arn: .* is not a consumer ARN/);
  });
});
