import { describe, expect, it } from 'vitest';
import {
  eventBusPutPolicy,
  fanOutConsumerPolicy,
  lintStreamPolicy,
  STREAM_CONSUMER_ACTIONS,
  streamReadPolicy,
} from '../src/policy/index.js';

const STREAM = 'arn:aws:kinesis:us-east-1:999900009999:stream/kds-sharing-example1';
const ROLE = 'arn:aws:iam::888800008888:role/service-role/kds-reader1-role-q6zcv9kq';

const codes = (findings: { code: string; severity: string }[]) => findings.map((f) => `${f.severity}:${f.code}`);

describe('streamReadPolicy', () => {
  it('grants the five read actions to the role on the stream', () => {
    const policy = streamReadPolicy(STREAM, [ROLE]);
    expect(policy.Statement).toHaveLength(1);
    const [statement] = policy.Statement;
    expect(statement?.Principal).toEqual({ AWS: ROLE });
    expect(statement?.Action).toEqual([...STREAM_CONSUMER_ACTIONS]);
    expect(statement?.Action).toContain('kinesis:DescribeStream');
    expect(statement?.Resource).toBe(STREAM);
    expect(lintStreamPolicy(policy, STREAM)).toEqual([]);
  });

  it('refuses a Lambda function as principal, naming it', () => {
    expect(() => streamReadPolicy(STREAM, ['arn:aws:lambda:us-east-1:888800008888:function:kds-reader1'])).toThrow(
      /Lambda|role/,
    );
  });

  it('refuses a resource that is not a stream ARN', () => {
    expect(() => streamReadPolicy('kds-sharing-example1', [ROLE])).toThrow(/not a stream ARN/);
  });
});

describe('fanOutConsumerPolicy and eventBusPutPolicy', () => {
  it('grants SubscribeToShard on the consumer ARN', () => {
    const consumer = `${STREAM}/consumer/reader:1709100911`;
    const policy = fanOutConsumerPolicy(consumer, [ROLE]);
    expect(policy.Statement[0]?.Action).toEqual(['kinesis:DescribeStreamConsumer', 'kinesis:SubscribeToShard']);
    expect(policy.Statement[0]?.Resource).toBe(consumer);
  });

  it('grants events:PutEvents on the bus', () => {
    const bus = 'arn:aws:events:ap-northeast-1:777700007777:event-bus/kds-forwarded';
    const policy = eventBusPutPolicy(bus, [ROLE]);
    expect(policy.Statement[0]).toMatchObject({ Action: 'events:PutEvents', Resource: bus, Principal: { AWS: ROLE } });
  });
});

describe('lintStreamPolicy', () => {
  const base = () => JSON.parse(JSON.stringify(streamReadPolicy(STREAM, [ROLE])));

  it('says the console leaves out kinesis:DescribeStream when it is missing', () => {
    const policy = base();
    policy.Statement[0].Action = policy.Statement[0].Action.filter((a: string) => a !== 'kinesis:DescribeStream');
    const findings = lintStreamPolicy(policy, STREAM);
    expect(codes(findings)).toEqual(['error:MISSING_ACTION']);
    expect(findings[0]?.message).toMatch(/visual policy editor leaves kinesis:DescribeStream out/);
  });

  it('reports each missing action', () => {
    const policy = base();
    policy.Statement[0].Action = ['kinesis:GetRecords'];
    expect(lintStreamPolicy(policy, STREAM).filter((f) => f.code === 'MISSING_ACTION')).toHaveLength(4);
  });

  it('accepts wildcard actions but warns about kinesis:*', () => {
    const policy = base();
    policy.Statement[0].Action = 'kinesis:*';
    expect(codes(lintStreamPolicy(policy, STREAM))).toEqual(['warning:WILDCARD_ACTION']);
    policy.Statement[0].Action = ['kinesis:Describe*', 'kinesis:Get*', 'kinesis:ListShards'];
    expect(lintStreamPolicy(policy, STREAM)).toEqual([]);
  });

  it('errors on a Lambda function ARN or a stream ARN as principal', () => {
    const policy = base();
    policy.Statement[0].Principal = { AWS: 'arn:aws:lambda:us-east-1:888800008888:function:kds-reader1' };
    const [finding] = lintStreamPolicy(policy, STREAM);
    expect(finding).toMatchObject({ severity: 'error', code: 'BAD_PRINCIPAL' });
    expect(finding?.message).toMatch(/Lambda function ARN.*execution role/);
    policy.Statement[0].Principal = { AWS: STREAM };
    expect(lintStreamPolicy(policy, STREAM)[0]?.message).toMatch(/is a stream ARN/);
  });

  it('accepts an account principal and warns on "*"', () => {
    const policy = base();
    policy.Statement[0].Principal = { AWS: 'arn:aws:iam::888800008888:root' };
    expect(lintStreamPolicy(policy, STREAM)).toEqual([]);
    policy.Statement[0].Principal = '*';
    expect(codes(lintStreamPolicy(policy, STREAM))).toEqual(['warning:WILDCARD_PRINCIPAL']);
  });

  it('errors when the resource is another stream', () => {
    const policy = base();
    policy.Statement[0].Resource = 'arn:aws:kinesis:us-east-1:999900009999:stream/other';
    const found = codes(lintStreamPolicy(policy, STREAM));
    expect(found).toContain('error:RESOURCE_MISMATCH');
    expect(found.filter((c) => c === 'error:MISSING_ACTION')).toHaveLength(5);
  });

  it('errors when a Deny statement takes a needed action away', () => {
    const policy = base();
    policy.Statement.push({
      Effect: 'Deny',
      Principal: { AWS: ROLE },
      Action: 'kinesis:GetRecords',
      Resource: STREAM,
    });
    expect(codes(lintStreamPolicy(policy, STREAM))).toEqual(['error:DENIED_ACTION']);
  });

  it('rejects things that are not policies', () => {
    expect(codes(lintStreamPolicy([], STREAM))).toEqual(['error:NOT_A_POLICY']);
    expect(codes(lintStreamPolicy({ Version: '2012-10-17', Statement: [] }, STREAM))).toEqual(['error:NO_STATEMENT']);
  });
});
