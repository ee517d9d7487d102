/**
 * Verdicts of `lintStreamPolicy` where the old linter was wrong: false passes (a Deny with
 * NotAction, a lowercase or missing Effect), false failures (the recommended "Deny unless
 * aws:SecureTransport" statement, a Deny aimed at another principal, NotPrincipal, an Allow with
 * NotAction), and wrong JSON types (a finding with the JSON path, never an exception).
 */
import { describe, expect, it } from 'vitest';
import {
  lintStreamPolicy,
  MAX_CHECKED_PRINCIPALS,
  STREAM_CONSUMER_ACTIONS,
  streamReadPolicy,
} from '../src/policy/index.js';

const STREAM = 'arn:aws:kinesis:us-east-1:999900009999:stream/kds-sharing-example1';
const ROLE = 'arn:aws:iam::888800008888:role/service-role/kds-reader1-role-q6zcv9kq';
const OTHER_ROLE = 'arn:aws:iam::777700007777:role/someone-else';
const SAME_ACCOUNT_ROLE = 'arn:aws:iam::888800008888:role/another-reader';

type Finding = ReturnType<typeof lintStreamPolicy>[number];
const codes = (findings: Finding[]) => findings.map((f) => `${f.severity}:${f.code}`);
const errors = (findings: Finding[]) => findings.filter((f) => f.severity === 'error');

/** The policy `streamshare policy` prints, as a mutable JSON value, with more statements after it. */
function policyWith(...more: unknown[]): { Version: string; Statement: Record<string, unknown>[] } {
  const policy = JSON.parse(JSON.stringify(streamReadPolicy(STREAM, [ROLE])));
  policy.Statement.push(...more);
  return policy;
}

describe('false passes', () => {
  it('a Deny with NotAction kinesis:PutRecord denies all five reads', () => {
    const findings = lintStreamPolicy(
      policyWith({ Effect: 'Deny', Principal: '*', NotAction: 'kinesis:PutRecord', Resource: STREAM }),
      STREAM,
    );
    const denied = findings.filter((f) => f.code === 'DENIED_ACTION');
    expect(denied.map((f) => f.message.split(' ')[0])).toEqual([...STREAM_CONSUMER_ACTIONS]);
    expect(denied[0]).toMatchObject({ severity: 'error', path: 'Statement[1]', statement: 1 });
  });

  it('a Deny with NotResource that leaves the stream out of its list denies it', () => {
    const findings = lintStreamPolicy(
      policyWith({
        Effect: 'Deny',
        Principal: { AWS: ROLE },
        Action: 'kinesis:GetRecords',
        NotResource: 'arn:aws:kinesis:us-east-1:999900009999:stream/other',
      }),
      STREAM,
    );
    expect(codes(findings)).toEqual(['error:DENIED_ACTION']);
  });

  it('Effect "deny" (lowercase) is an invalid policy, named at its path', () => {
    const findings = lintStreamPolicy(
      policyWith({ Effect: 'deny', Principal: '*', Action: 'kinesis:GetRecords', Resource: STREAM }),
      STREAM,
    );
    expect(errors(findings)).toEqual([
      expect.objectContaining({ code: 'INVALID_EFFECT', path: 'Statement[1].Effect', statement: 1 }),
    ]);
    expect(errors(findings)[0]?.message).toMatch(/case-sensitive: write "Deny"/);
  });

  it('a statement without Effect is an invalid policy', () => {
    const policy = policyWith();
    delete policy.Statement[0]!.Effect;
    const findings = lintStreamPolicy(policy, STREAM);
    expect(errors(findings)).toEqual([
      expect.objectContaining({ code: 'MISSING_EFFECT', path: 'Statement[0]', statement: 0 }),
    ]);
    // AWS refuses the policy: the access verdict is not given as if it were attached.
    expect(findings.map((f) => f.code)).toContain('ACCESS_NOT_CHECKED');
  });

  it('a Deny on the whole account of the consumer denies it', () => {
    const findings = lintStreamPolicy(
      policyWith({ Effect: 'Deny', Principal: { AWS: '888800008888' }, Action: 'kinesis:Get*', Resource: '*' }),
      STREAM,
    );
    expect(codes(findings)).toEqual(['error:DENIED_ACTION', 'error:DENIED_ACTION']);
  });

  it('an Allow with a condition key spelled wrong is not a pass, and a typo in an element name is an error', () => {
    const policy = policyWith();
    policy.Statement[0]!.Conditon = { Bool: { 'aws:SecureTransport': 'true' } };
    expect(errors(lintStreamPolicy(policy, STREAM))).toEqual([
      expect.objectContaining({ code: 'UNKNOWN_ELEMENT', path: 'Statement[0].Conditon' }),
    ]);
  });
});

describe('false failures', () => {
  it('the AWS-recommended "Deny unless aws:SecureTransport" statement denies nothing to the SDK', () => {
    const findings = lintStreamPolicy(
      policyWith({
        Sid: 'DenyInsecureTransport',
        Effect: 'Deny',
        Principal: '*',
        Action: 'kinesis:*',
        Resource: STREAM,
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
      STREAM,
    );
    expect(findings).toEqual([]);
  });

  it('an Allow that requires aws:SecureTransport (any case of the key, boolean value) still grants', () => {
    const policy = policyWith();
    policy.Statement[0]!.Condition = { Bool: { 'AWS:SecureTransport': true } };
    expect(lintStreamPolicy(policy, STREAM)).toEqual([]);
  });

  it('a Deny aimed at another principal only is not a failure', () => {
    for (const other of [OTHER_ROLE, SAME_ACCOUNT_ROLE, '777700007777', 'arn:aws:iam::777700007777:root']) {
      const findings = lintStreamPolicy(
        policyWith({ Effect: 'Deny', Principal: { AWS: other }, Action: 'kinesis:*', Resource: STREAM }),
        STREAM,
      );
      expect(findings).toEqual([]);
    }
  });

  it('a Deny with NotPrincipal naming the consumer is a warning ("cannot tell"), not a failure', () => {
    const findings = lintStreamPolicy(
      policyWith({
        Effect: 'Deny',
        NotPrincipal: { AWS: [ROLE, 'arn:aws:iam::888800008888:root'] },
        Action: 'kinesis:*',
        Resource: STREAM,
      }),
      STREAM,
    );
    expect(codes(findings)).toEqual(['warning:CANNOT_TELL']);
    expect(findings[0]).toMatchObject({ path: 'Statement[1]', statement: 1 });
    expect(findings[0]?.message).toMatch(/NotPrincipal .*permissions boundary/);
  });

  it('a Deny with NotPrincipal that does not name the consumer denies it', () => {
    const findings = lintStreamPolicy(
      policyWith({ Effect: 'Deny', NotPrincipal: { AWS: OTHER_ROLE }, Action: 'kinesis:*', Resource: STREAM }),
      STREAM,
    );
    expect(findings.filter((f) => f.code === 'DENIED_ACTION')).toHaveLength(5);
  });

  it('an Allow with NotAction grants the reads (with a warning: it grants writes too)', () => {
    const policy = policyWith();
    delete policy.Statement[0]!.Action;
    policy.Statement[0]!.NotAction = ['kinesis:DeleteStream'];
    const findings = lintStreamPolicy(policy, STREAM);
    expect(codes(findings)).toEqual(['warning:WILDCARD_ACTION']);
    expect(findings[0]).toMatchObject({ path: 'Statement[0].NotAction' });
    expect(findings[0]?.message).toMatch(/every action but kinesis:DeleteStream.*kinesis:PutRecord/);
  });

  it('a Deny "*" excepting the consumer by aws:PrincipalArn (what AWS recommends over NotPrincipal) passes', () => {
    const findings = lintStreamPolicy(
      policyWith({
        Effect: 'Deny',
        Principal: '*',
        Action: 'kinesis:*',
        Resource: STREAM,
        Condition: { ArnNotEquals: { 'aws:PrincipalArn': [ROLE, OTHER_ROLE] } },
      }),
      STREAM,
    );
    expect(findings).toEqual([]);
    // ... and denies a role it does not except.
    const other = lintStreamPolicy(
      policyWith({
        Effect: 'Deny',
        Principal: '*',
        Action: 'kinesis:*',
        Resource: STREAM,
        Condition: { ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/someone-*' } },
      }),
      STREAM,
    );
    expect(other.filter((f) => f.code === 'DENIED_ACTION')).toHaveLength(5);
  });

  it('a Deny on another resource, or for writes only, is not a failure', () => {
    const findings = lintStreamPolicy(
      policyWith(
        {
          Effect: 'Deny',
          Principal: '*',
          Action: '*',
          Resource: 'arn:aws:kinesis:us-east-1:999900009999:stream/other',
        },
        { Effect: 'Deny', Principal: '*', Action: ['kinesis:Put*', 'kinesis:Delete*'], Resource: STREAM },
      ),
      STREAM,
    );
    expect(findings).toEqual([]);
  });

  it('a producer statement (another role, writes) next to the consumer one is not a missing read', () => {
    const findings = lintStreamPolicy(
      policyWith({
        Effect: 'Allow',
        Principal: { AWS: OTHER_ROLE },
        Action: ['kinesis:PutRecord', 'kinesis:PutRecords'],
        Resource: STREAM,
      }),
      STREAM,
    );
    expect(codes(findings)).toEqual(['warning:WILDCARD_ACTION']);
  });

  it('a Deny the file alone cannot decide (a Condition on the source VPC) is "cannot tell", a warning', () => {
    const findings = lintStreamPolicy(
      policyWith({
        Effect: 'Deny',
        Principal: '*',
        Action: 'kinesis:*',
        Resource: STREAM,
        Condition: { StringNotEquals: { 'aws:SourceVpce': 'vpce-1a2b3c4d' } },
      }),
      STREAM,
    );
    expect(codes(findings)).toEqual(['warning:CANNOT_TELL']);
    expect(findings[0]?.message).toMatch(
      /cannot tell whether statement 1 denies kinesis:DescribeStream, .*kinesis:ListShards to .*: its Condition decides \(StringNotEquals aws:SourceVpce\)/,
    );
  });

  it('an Allow limited by a Condition it cannot evaluate is "cannot tell"; one it can evaluate is exact', () => {
    const vpc = policyWith();
    vpc.Statement[0]!.Condition = { StringEquals: { 'aws:SourceVpc': 'vpc-1' } };
    expect(codes(lintStreamPolicy(vpc, STREAM))).toEqual(['warning:CANNOT_TELL']);
    const account = policyWith();
    account.Statement[0]!.Condition = { StringEquals: { 'aws:PrincipalAccount': '777700007777' } };
    expect(codes(lintStreamPolicy(account, STREAM))).toEqual(Array(5).fill('error:MISSING_ACTION'));
  });
});

describe('which consumers are checked', () => {
  it('a Deny for one role of an account the policy delegates to is "cannot tell"; --principal decides', () => {
    const policy = policyWith({ Effect: 'Deny', Principal: { AWS: SAME_ACCOUNT_ROLE }, Action: '*', Resource: '*' });
    policy.Statement[0]!.Principal = { AWS: 'arn:aws:iam::888800008888:root' };
    expect(codes(lintStreamPolicy(policy, STREAM))).toEqual(['warning:CANNOT_TELL']);
    expect(lintStreamPolicy(policy, STREAM, { principals: [ROLE] })).toEqual([]);
    expect(codes(lintStreamPolicy(policy, STREAM, { principals: [SAME_ACCOUNT_ROLE] }))).toEqual(
      Array(5).fill('error:DENIED_ACTION'),
    );
  });

  it('a role that the policy does not let read is reported as missing each action', () => {
    const findings = lintStreamPolicy(policyWith(), STREAM, { principals: [OTHER_ROLE] });
    expect(codes(findings)).toEqual(Array(5).fill('error:MISSING_ACTION'));
    expect(findings[0]?.message).toContain(OTHER_ROLE);
  });

  it('checks at most MAX_CHECKED_PRINCIPALS consumers one by one, and says so', () => {
    const roles = Array.from({ length: MAX_CHECKED_PRINCIPALS + 20 }, (_, i) => `arn:aws:iam::888800008888:role/r${i}`);
    const policy = JSON.parse(JSON.stringify(streamReadPolicy(STREAM, roles)));
    expect(codes(lintStreamPolicy(policy, STREAM))).toEqual(['warning:TOO_MANY_PRINCIPALS']);
    expect(lintStreamPolicy(policy, STREAM, { principals: [] })).toEqual(lintStreamPolicy(policy, STREAM));
  });

  it('refuses a principal to check that is not a role, user or account, and a stream ARN that is not one', () => {
    expect(() => lintStreamPolicy(policyWith(), STREAM, { principals: ['*'] })).toThrow(
      expect.objectContaining({ code: 'INVALID_PRINCIPAL' }),
    );
    expect(() => lintStreamPolicy(policyWith(), 'kds-sharing-example1')).toThrow(
      expect.objectContaining({ code: 'INVALID_ARN' }),
    );
  });
});

describe('wrong JSON types: a finding with the JSON path, never an exception', () => {
  const cases: [string, (p: ReturnType<typeof policyWith>) => unknown, string, string][] = [
    ['Action: 5', (p) => Object.assign(p.Statement[0]!, { Action: 5 }), 'BAD_TYPE', 'Statement[0].Action'],
    [
      'Resource: [null]',
      (p) => Object.assign(p.Statement[0]!, { Resource: [null] }),
      'BAD_TYPE',
      'Statement[0].Resource[0]',
    ],
    [
      'Principal AWS: 12',
      (p) => Object.assign(p.Statement[0]!, { Principal: { AWS: 12 } }),
      'BAD_TYPE',
      'Statement[0].Principal.AWS',
    ],
    [
      'Principal AWS: [ROLE, {}]',
      (p) => Object.assign(p.Statement[0]!, { Principal: { AWS: [ROLE, {}] } }),
      'BAD_TYPE',
      'Statement[0].Principal.AWS[1]',
    ],
    [
      'Principal: "arn..." (a string)',
      (p) => Object.assign(p.Statement[0]!, { Principal: ROLE }),
      'BAD_TYPE',
      'Statement[0].Principal',
    ],
    ['Effect: true', (p) => Object.assign(p.Statement[0]!, { Effect: true }), 'BAD_TYPE', 'Statement[0].Effect'],
    ['Sid: 1', (p) => Object.assign(p.Statement[0]!, { Sid: 1 }), 'BAD_TYPE', 'Statement[0].Sid'],
    ['Action: []', (p) => Object.assign(p.Statement[0]!, { Action: [] }), 'EMPTY_LIST', 'Statement[0].Action'],
    [
      'Action: "GetRecords"',
      (p) => Object.assign(p.Statement[0]!, { Action: ['kinesis:ListShards', 'GetRecords'] }),
      'INVALID_ACTION',
      'Statement[0].Action[1]',
    ],
    [
      'Resource: "stream/x"',
      (p) => Object.assign(p.Statement[0]!, { Resource: 'stream/x' }),
      'INVALID_RESOURCE',
      'Statement[0].Resource',
    ],
    ['Condition: []', (p) => Object.assign(p.Statement[0]!, { Condition: [] }), 'BAD_TYPE', 'Statement[0].Condition'],
    [
      'Condition value: {}',
      (p) => Object.assign(p.Statement[0]!, { Condition: { Bool: { 'aws:SecureTransport': {} } } }),
      'BAD_TYPE',
      'Statement[0].Condition.Bool["aws:SecureTransport"]',
    ],
    [
      'Condition value: [null]',
      (p) => Object.assign(p.Statement[0]!, { Condition: { StringEquals: { 'aws:SourceVpc': ['vpc-1', null] } } }),
      'BAD_TYPE',
      'Statement[0].Condition.StringEquals["aws:SourceVpc"][1]',
    ],
    ['Statement: "x"', (p) => Object.assign(p, { Statement: 'x' }), 'BAD_TYPE', 'Statement'],
    ['Statement: [1]', (p) => Object.assign(p, { Statement: [p.Statement[0], 1] }), 'BAD_TYPE', 'Statement[1]'],
    ['Statement: {} (one object)', (p) => Object.assign(p, { Statement: {} }), 'MISSING_EFFECT', 'Statement'],
    ['Version: 2012', (p) => Object.assign(p, { Version: 2012 }), 'BAD_TYPE', 'Version'],
    ['Version: "2012-10-18"', (p) => Object.assign(p, { Version: '2012-10-18' }), 'INVALID_VERSION', 'Version'],
    [
      'Principal and NotPrincipal',
      (p) => Object.assign(p.Statement[0]!, { NotPrincipal: '*' }),
      'CONFLICTING_ELEMENTS',
      'Statement[0]',
    ],
    ['no Resource', (p) => delete p.Statement[0]!.Resource, 'NO_RESOURCE', 'Statement[0]'],
    ['no Principal', (p) => delete p.Statement[0]!.Principal, 'MISSING_PRINCIPAL', 'Statement[0]'],
    [
      'a partial wildcard principal',
      (p) => Object.assign(p.Statement[0]!, { Principal: { AWS: 'arn:aws:iam::888800008888:role/*' } }),
      'WILDCARD_IN_PRINCIPAL',
      'Statement[0].Principal.AWS',
    ],
    [
      'NotPrincipal with Allow',
      (p) => {
        delete p.Statement[0]!.Principal;
        p.Statement[0]!.NotPrincipal = { AWS: OTHER_ROLE };
      },
      'NOT_PRINCIPAL_WITH_ALLOW',
      'Statement[0].NotPrincipal',
    ],
    [
      'an unknown principal type',
      (p) => Object.assign(p.Statement[0]!, { Principal: { aws: ROLE } }),
      'UNKNOWN_ELEMENT',
      'Statement[0].Principal.aws',
    ],
    ['a key with a dot', (p) => Object.assign(p, { 'x.y': 1 }), 'UNKNOWN_ELEMENT', '$["x.y"]'],
  ];

  it.each(cases)('%s', (_, mutate, code, path) => {
    const policy = policyWith();
    mutate(policy);
    let findings: Finding[] = [];
    expect(() => {
      findings = lintStreamPolicy(policy, STREAM);
    }).not.toThrow();
    expect(errors(findings)).toContainEqual(expect.objectContaining({ severity: 'error', code, path }));
    // Every finding says where.
    for (const finding of findings) expect(finding.path).toMatch(/^(\$|Statement|Version)/);
  });

  it('a document that is not an object is one finding at $', () => {
    for (const value of [null, 5, 'policy', [], [{}], true, undefined]) {
      expect(lintStreamPolicy(value, STREAM)).toEqual([
        expect.objectContaining({ severity: 'error', code: 'NOT_A_POLICY', path: '$' }),
      ]);
    }
  });

  it('keys such as __proto__ and constructor are read as the JSON has them', () => {
    const root = JSON.parse(`{"Version":"2012-10-17","__proto__":{"Statement":[]},"Statement":[]}`);
    expect(codes(lintStreamPolicy(root, STREAM))).toEqual(['error:UNKNOWN_ELEMENT', 'error:NO_STATEMENT']);
    expect(lintStreamPolicy(root, STREAM)[0]?.path).toBe('__proto__');
    const policy = policyWith();
    policy.Statement[0]!.Condition = JSON.parse(
      '{"constructor":{"toString":"x"},"__proto__":{"aws:SecureTransport":"true"},"hasOwnProperty":{"aws:SecureTransport":"true"}}',
    );
    const findings = lintStreamPolicy(policy, STREAM);
    expect(codes(findings)).toEqual(['warning:CANNOT_TELL']);
    expect(findings[0]?.message).toMatch(/constructor toString, __proto__ aws:SecureTransport, hasOwnProperty/);
  });

  it('a value that is not JSON (a throwing getter, a Proxy) is a finding too', () => {
    const getter = policyWith();
    Object.defineProperty(getter.Statement[0]!, 'Effect', {
      enumerable: true,
      get() {
        throw new Error('no');
      },
    });
    expect(codes(lintStreamPolicy(getter, STREAM))).toEqual(['error:UNREADABLE']);
    const proxy = new Proxy(
      {},
      {
        ownKeys() {
          throw Object.create(null);
        },
      },
    );
    expect(codes(lintStreamPolicy(proxy, STREAM))).toEqual(['error:UNREADABLE']);
  });
});
