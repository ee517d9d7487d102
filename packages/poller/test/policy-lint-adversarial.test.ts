/**
 * Adversarial suite for `lintStreamPolicy`: random policies (star-heavy patterns of a few hundred
 * characters, any JSON type at any element, NotX elements, conditions) must be linted fast and
 * never throw; every finding names a JSON path that exists in the document; and metamorphic
 * properties hold (what `streamshare policy` prints passes, an unrelated Deny changes nothing, an
 * extra Allow never lifts an explicit Deny).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lintStreamPolicy, STREAM_CONSUMER_ACTIONS, streamReadPolicy } from '../src/policy/index.js';
import { referenceMatch } from './helpers/reference-wildcard.js';

const STREAM = 'arn:aws:kinesis:us-east-1:999900009999:stream/kds-sharing-example1';
const ROLE = 'arn:aws:iam::888800008888:role/service-role/kds-reader1-role-q6zcv9kq';

type Finding = ReturnType<typeof lintStreamPolicy>[number];

/** Patterns made of wildcards and ARN pieces, up to a few hundred characters. */
const starHeavy = fc
  .array(fc.constantFrom('*', '*', '*', '?', 'a', 'Z', ':', '/', 'kinesis:', 'arn:aws:', 'stream/', 'Get'), {
    maxLength: 120,
  })
  .map((pieces) => pieces.join(''));

const anyJson = fc.jsonValue({ maxDepth: 2 });

const action = fc.oneof(
  fc.constantFrom(
    ...STREAM_CONSUMER_ACTIONS,
    'kinesis:*',
    '*',
    'kinesis:Get*',
    'kinesis:PutRecord',
    'KINESIS:list?hards',
  ),
  starHeavy.map((p) => `kinesis:${p}`),
  starHeavy,
);
const validAction = fc.oneof(
  fc.constantFrom(
    ...STREAM_CONSUMER_ACTIONS,
    'kinesis:*',
    '*',
    'kinesis:Get*',
    'kinesis:PutRecord',
    'KINESIS:list?hards',
  ),
  starHeavy
    .map((p) => p.replaceAll(':', ''))
    .filter((p) => p.length > 0)
    .map((p) => `kinesis:${p}`),
);
const resource = fc.oneof(
  fc.constantFrom(STREAM, '*', 'arn:aws:kinesis:*:*:stream/*'),
  starHeavy.map((p) => `arn:${p}`),
);
const principalValue = fc.oneof(
  fc.constantFrom(ROLE, '*', '888800008888', 'arn:aws:iam::777700007777:root', 'arn:aws:iam::888800008888:role/x'),
  fc.constantFrom(
    'arn:aws:sts::888800008888:assumed-role/kds-reader1-role-q6zcv9kq/s',
    'arn:aws:lambda:us-east-1:1:function:f',
  ),
  starHeavy,
);
const validPrincipal = fc.constantFrom(
  ROLE,
  '*',
  '888800008888',
  'arn:aws:iam::777700007777:root',
  'arn:aws:iam::888800008888:role/x',
  'arn:aws:sts::888800008888:assumed-role/kds-reader1-role-q6zcv9kq/s',
);
/** One value or an array of them (possibly empty, which IAM refuses). */
const listOf = <T>(item: fc.Arbitrary<T>) => fc.oneof(item, fc.array(item, { maxLength: 4 }));
/** One value or a non-empty array of them. */
const someOf = <T>(item: fc.Arbitrary<T>) => fc.oneof(item, fc.array(item, { minLength: 1, maxLength: 4 }));
/** Mostly well-typed values, sometimes any JSON value at all. */
const orJunk = <T>(item: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 4, arbitrary: item }, { weight: 1, arbitrary: anyJson });

const conditionKey = fc.constantFrom(
  'aws:SecureTransport',
  'AWS:securetransport',
  'aws:PrincipalArn',
  'aws:PrincipalAccount',
  'aws:SourceVpce',
  '__proto__',
);
const operator = fc.constantFrom(
  'Bool',
  'BoolIfExists',
  'Null',
  'StringEquals',
  'StringNotLike',
  'ArnLike',
  'ArnNotEquals',
  'ForAnyValue:StringLike',
  'constructor',
);
const conditionValue = fc.oneof(fc.constantFrom('true', 'false', true, ROLE, '888800008888'), starHeavy);
const conditionOf = (junk: boolean) =>
  fc.dictionary(
    operator,
    (junk ? orJunk : <T>(a: fc.Arbitrary<T>) => a)(
      fc.dictionary(conditionKey, (junk ? orJunk : <T>(a: fc.Arbitrary<T>) => a)(someOf(conditionValue)), {
        maxKeys: 2,
      }),
    ),
    { maxKeys: 2 },
  );

/** A statement; with `junk`, sometimes any JSON value at any element and invalid Effects. */
function statementOf(junk: boolean) {
  const maybe = <T>(item: fc.Arbitrary<T>) => (junk ? orJunk(item) : item);
  const list = junk ? listOf : someOf;
  return fc
    .record(
      {
        Sid: maybe(fc.string()),
        Effect: junk ? orJunk(fc.constantFrom('Allow', 'Deny', 'deny', 'ALLOW')) : fc.constantFrom('Allow', 'Deny'),
        principalKey: fc.constantFrom('Principal', 'Principal', 'Principal', 'NotPrincipal'),
        Principal: maybe(
          fc.oneof(fc.constant('*'), fc.record({ AWS: maybe(list(junk ? principalValue : validPrincipal)) })),
        ),
        actionKey: fc.constantFrom('Action', 'Action', 'NotAction'),
        Action: maybe(list(junk ? action : validAction)),
        resourceKey: fc.constantFrom('Resource', 'Resource', 'NotResource'),
        Resource: maybe(list(resource)),
        Condition: maybe(conditionOf(junk)),
      },
      {
        requiredKeys: ['Effect', 'principalKey', 'Principal', 'actionKey', 'Action', 'resourceKey', 'Resource'],
      },
    )
    .map(({ principalKey, Principal, actionKey, Action, resourceKey, Resource, ...rest }) => ({
      ...rest,
      [principalKey]: Principal,
      [actionKey]: Action,
      [resourceKey]: Resource,
    }));
}

/** Well-typed policies (the access check runs), junk policies, and any JSON value. */
const policy = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      Version: fc.constant('2012-10-17'),
      Statement: fc.array(statementOf(false), { minLength: 1, maxLength: 4 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({ Version: orJunk(fc.constant('2012-10-17')), Statement: orJunk(listOf(statementOf(true))) }),
  },
  { weight: 1, arbitrary: anyJson },
);

/** The value at a finding's path (`Statement[0].Principal.AWS`, `$["x.y"]`), or `missing`. */
function at(document: unknown, path: string): { found: boolean; value?: unknown } {
  if (path === '$') return { found: true, value: document };
  const step = /(?:^|\.)([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/y;
  let value: unknown = document;
  let rest = path.startsWith('$[') ? path.slice(1) : path;
  while (rest.length > 0) {
    step.lastIndex = 0;
    const m = step.exec(rest);
    if (m === null) throw new Error(`not a path: ${path}`);
    const key = m[1] ?? (m[2] === undefined ? (JSON.parse(m[3]!) as string) : Number(m[2]));
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) return { found: false };
    value = (value as Record<string | number, unknown>)[key];
    rest = rest.slice(m[0].length);
  }
  return { found: true, value };
}

/** Codes whose path names the element at fault, which must then exist in the document. */
const ELEMENT_CODES = new Set([
  'NOT_A_POLICY',
  'BAD_TYPE',
  'UNKNOWN_ELEMENT',
  'INVALID_VERSION',
  'INVALID_EFFECT',
  'MISSING_EFFECT',
  'MISSING_PRINCIPAL',
  'NO_ACTION',
  'NO_RESOURCE',
  'CONFLICTING_ELEMENTS',
  'EMPTY_LIST',
  'INVALID_ACTION',
  'INVALID_RESOURCE',
  'WILDCARD_IN_PRINCIPAL',
  'NOT_PRINCIPAL_WITH_ALLOW',
  'BAD_PRINCIPAL',
  'USER_PRINCIPAL',
  'WILDCARD_PRINCIPAL',
  'WILDCARD_ACTION',
  'RESOURCE_MISMATCH',
  'DENIED_ACTION',
  'CANNOT_TELL',
]);

function timedLint(value: unknown, principals?: string[]): { findings: Finding[]; ms: number } {
  const started = performance.now();
  const findings = lintStreamPolicy(value, STREAM, principals ? { principals } : {});
  return { findings, ms: performance.now() - started };
}

describe('lintStreamPolicy on random policies', () => {
  it('never throws, is fast, and every finding names a path that exists in the document', () => {
    let slowest = 0;
    const started = performance.now();
    fc.assert(
      fc.property(policy, fc.boolean(), (document, withPrincipal) => {
        const { findings, ms } = timedLint(document, withPrincipal ? [ROLE] : undefined);
        slowest = Math.max(slowest, ms);
        for (const finding of findings) {
          expect(['error', 'warning']).toContain(finding.severity);
          expect(finding.code).toMatch(/^[A-Z_]+$/);
          expect(typeof finding.message).toBe('string');
          expect(typeof finding.path).toBe('string');
          if (ELEMENT_CODES.has(finding.code)) {
            expect(at(document, finding.path), `${finding.code} at ${finding.path}`).toMatchObject({ found: true });
          }
        }
        // A document AWS refuses is never reported as readable.
        const refused = findings.some((f) => f.code === 'BAD_TYPE' || f.code === 'INVALID_EFFECT');
        if (refused) expect(findings.some((f) => f.severity === 'error')).toBe(true);
      }),
      { numRuns: 400 },
    );
    expect(slowest).toBeLessThan(1_000);
    expect(performance.now() - started).toBeLessThan(30_000);
  }, 60_000);

  it('a wrong JSON type at any element is an error at that element', () => {
    const elements = ['Effect', 'Principal', 'Action', 'Resource', 'Condition', 'Sid'] as const;
    const wrong = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { minLength: 1 }));
    fc.assert(
      fc.property(fc.constantFrom(...elements), wrong, (element, value) => {
        const document = JSON.parse(JSON.stringify(streamReadPolicy(STREAM, [ROLE])));
        document.Statement[0][element] = value;
        const findings = lintStreamPolicy(document, STREAM);
        const error = findings.find((f) => f.severity === 'error' && f.path.startsWith(`Statement[0].${element}`));
        expect(error, JSON.stringify(findings)).toBeDefined();
        expect(at(document, error!.path).found).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe('metamorphic properties', () => {
  const account = fc.stringMatching(/^[0-9]{12}$/);
  const name = fc.stringMatching(/^[A-Za-z0-9+=,.@_-]{1,64}$/);
  const role = fc
    .tuple(account, fc.stringMatching(/^(\/[A-Za-z0-9_-]{1,8}){0,2}\/$/), name)
    .map(([a, path, n]) => `arn:aws:iam::${a}:role${path}${n}`);
  const stream = fc
    .tuple(
      fc.constantFrom('us-east-1', 'eu-west-1', 'ap-northeast-1'),
      account,
      fc.stringMatching(/^[A-Za-z0-9_.-]{1,128}$/),
    )
    .map(([region, a, n]) => `arn:aws:kinesis:${region}:${a}:stream/${n}`);

  it('what `streamshare policy` prints passes lint, for any stream and roles', () => {
    fc.assert(
      fc.property(stream, fc.uniqueArray(fc.oneof(role, account), { minLength: 1, maxLength: 4 }), (arn, roles) => {
        const printed = JSON.parse(JSON.stringify(streamReadPolicy(arn, roles)));
        expect(lintStreamPolicy(printed, arn)).toEqual([]);
        for (const r of roles) expect(lintStreamPolicy(printed, arn, { principals: [r] })).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it('a Deny aimed at other accounts adds no finding; an extra Allow never lifts an explicit Deny', () => {
    const otherAccount = account.filter((a) => a !== '888800008888');
    fc.assert(
      fc.property(otherAccount, listOf(action), (other, actions) => {
        const base = JSON.parse(JSON.stringify(streamReadPolicy(STREAM, [ROLE])));
        const withDeny = JSON.parse(JSON.stringify(base));
        withDeny.Statement.push({
          Effect: 'Deny',
          Principal: { AWS: [other, `arn:aws:iam::${other}:role/x`] },
          Action: actions,
          Resource: '*',
        });
        const findings = lintStreamPolicy(withDeny, STREAM);
        // The Deny's actions may be malformed (an error of their own), but never a denied read.
        expect(findings.filter((f) => f.code === 'DENIED_ACTION' || f.code === 'MISSING_ACTION')).toEqual([]);

        const denied = JSON.parse(JSON.stringify(base));
        denied.Statement.push({ Effect: 'Deny', Principal: '*', Action: 'kinesis:GetRecords', Resource: STREAM });
        const before = lintStreamPolicy(denied, STREAM).filter((f) => f.code === 'DENIED_ACTION');
        denied.Statement.push({ Effect: 'Allow', Principal: { AWS: ROLE }, Action: actions, Resource: '*' });
        const after = lintStreamPolicy(denied, STREAM).filter((f) => f.code === 'DENIED_ACTION');
        expect(before).toHaveLength(1);
        if (after.length > 0) expect(after).toEqual(before);
      }),
      { numRuns: 200 },
    );
  });
});

describe('the access verdict against a reference evaluator', () => {
  // Statements the verdict is exact for: no Condition, no NotPrincipal, principals that are a role,
  // an account or "*". The reference applies IAM's rules literally with the reference matcher.
  const OTHER = 'arn:aws:iam::777700007777:role/other';
  const exactStatement = fc.record({
    Effect: fc.constantFrom('Allow', 'Deny'),
    Principal: fc.oneof(
      fc.constant('*'),
      fc.record({ AWS: someOf(fc.constantFrom(ROLE, OTHER, '888800008888', 'arn:aws:iam::777700007777:root', '*')) }),
    ),
    not: fc.boolean(),
    Action: someOf(
      fc.oneof(
        fc.constantFrom(...STREAM_CONSUMER_ACTIONS, 'kinesis:*', '*', 'kinesis:PutRecord', 'kinesis:describe*'),
        fc.stringMatching(/^kinesis:[A-Za-z*?]{1,12}$/),
      ),
    ),
    notResource: fc.boolean(),
    Resource: someOf(
      fc.constantFrom(
        STREAM,
        '*',
        'arn:aws:kinesis:*:*:stream/*',
        'arn:aws:kinesis:*:*:stream/other',
        'arn:aws:kinesis:us-east-1:999900009999:stream/kds-*-example?',
      ),
    ),
  });

  type Exact = {
    Effect: string;
    Principal: unknown;
    not: boolean;
    Action: string | string[];
    notResource: boolean;
    Resource: string | string[];
  };
  const list = (v: string | string[]) => (typeof v === 'string' ? [v] : v);
  function applies(s: Exact, action: string): boolean {
    const principals = s.Principal === '*' ? ['*'] : list((s.Principal as { AWS: string | string[] }).AWS);
    const principal = principals.some((p) => p === '*' || p === ROLE || p === '888800008888');
    const listedAction = list(s.Action).some((a) => referenceMatch(a, action, true));
    const listedResource = list(s.Resource).some((r) => referenceMatch(r, STREAM, false));
    return principal && listedAction !== s.not && listedResource !== s.notResource;
  }

  it('DENIED_ACTION and MISSING_ACTION are exactly what IAM evaluation gives', () => {
    fc.assert(
      fc.property(fc.array(exactStatement, { minLength: 1, maxLength: 5 }), (generated) => {
        const document = {
          Version: '2012-10-17',
          Statement: generated.map(({ not, notResource, Action, Resource, ...rest }) => ({
            ...rest,
            [not ? 'NotAction' : 'Action']: Action,
            [notResource ? 'NotResource' : 'Resource']: Resource,
          })),
        };
        const findings = lintStreamPolicy(document, STREAM, { principals: [ROLE] });
        const got = findings
          .filter((f) => f.code === 'DENIED_ACTION' || f.code === 'MISSING_ACTION')
          .map((f) => `${f.code} ${f.message.split(' ')[0]}`);
        const expected = STREAM_CONSUMER_ACTIONS.flatMap((action) => {
          if (generated.some((s) => s.Effect === 'Deny' && applies(s, action))) return [`DENIED_ACTION ${action}`];
          if (generated.some((s) => s.Effect === 'Allow' && applies(s, action))) return [];
          return [`MISSING_ACTION ${action}`];
        });
        // One DENIED_ACTION per (action, first denying statement): compare the set.
        expect([...new Set(got)].sort()).toEqual(expected.sort());
        expect(findings.filter((f) => f.code === 'CANNOT_TELL')).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
