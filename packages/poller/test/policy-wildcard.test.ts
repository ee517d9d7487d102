/**
 * IAM wildcard matching (`*` any run, `?` one character) without regular expressions: the
 * linter used to build a RegExp with `.*` for each `*`, which took 94 s on `********Z` and never
 * finished with 41 stars. The matcher is checked against a memoized reference matcher on random
 * patterns, and timed on star-heavy ones.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lintStreamPolicy, streamReadPolicy } from '../src/policy/index.js';
import { arnMatch, wildcardMatch } from '../src/policy/wildcard.js';
import { referenceMatch } from './helpers/reference-wildcard.js';

const STREAM = 'arn:aws:kinesis:us-east-1:999900009999:stream/kds-sharing-example1';
const ROLE = 'arn:aws:iam::888800008888:role/service-role/kds-reader1-role-q6zcv9kq';

/** Lint time of a policy whose only statement has `resource` as Resource. */
function lintTime(resource: string): number {
  const policy = JSON.parse(JSON.stringify(streamReadPolicy(STREAM, [ROLE])));
  policy.Statement[0].Resource = resource;
  const started = performance.now();
  lintStreamPolicy(policy, STREAM);
  return performance.now() - started;
}

describe('wildcardMatch', () => {
  it('matches as IAM does: * any run, ? one character, case-insensitive only when asked', () => {
    expect(wildcardMatch('kinesis:Get*', 'kinesis:GetRecords', true)).toBe(true);
    expect(wildcardMatch('KINESIS:get*', 'kinesis:GetRecords', true)).toBe(true);
    expect(wildcardMatch('KINESIS:get*', 'kinesis:GetRecords', false)).toBe(false);
    expect(wildcardMatch('kinesis:List?hards', 'kinesis:ListShards', true)).toBe(true);
    expect(wildcardMatch('kinesis:List?Shards', 'kinesis:ListShards', true)).toBe(false);
    expect(wildcardMatch('*', '', false)).toBe(true);
    expect(wildcardMatch('?', '', false)).toBe(false);
    expect(wildcardMatch('a*b*c', 'aXbYbZc', false)).toBe(true);
    expect(wildcardMatch('a*b*c', 'aXbYbZ', false)).toBe(false);
    // Regular expression characters are literal.
    expect(wildcardMatch('arn:aws:kinesis:.*', 'arn:aws:kinesis:us-east-1', false)).toBe(false);
    expect(wildcardMatch('a.c', 'abc', false)).toBe(false);
    // ? takes one character, astral ones included.
    expect(wildcardMatch('stream/?', 'stream/😀', false)).toBe(true);
  });

  it('ArnLike compares the six components one by one', () => {
    expect(arnMatch('arn:aws:iam::*:role/reader', 'arn:aws:iam::888800008888:role/reader')).toBe(true);
    // A * in one component does not run into the next.
    expect(arnMatch('arn:aws:*:role/reader', 'arn:aws:iam::888800008888:role/reader')).toBe(false);
    expect(arnMatch('arn:aws:iam::888800008888:role/*', 'arn:aws:iam::888800008888:role/a/b:c')).toBe(true);
    expect(arnMatch('*', 'arn:aws:iam::1:role/x')).toBe(false);
  });

  it('agrees with a reference matcher on random patterns and values', () => {
    const alphabet = fc.constantFrom('a', 'b', 'A', ':', '*', '?', '😀', 'İ', 'Σ', 'σ');
    const text = fc.array(alphabet, { maxLength: 14 }).map((a) => a.join(''));
    fc.assert(
      fc.property(text, text, fc.boolean(), (pattern, value, ignoreCase) => {
        // Values are matched against patterns; a value may hold * and ? as plain characters.
        expect(wildcardMatch(pattern, value, ignoreCase)).toBe(referenceMatch(pattern, value, ignoreCase));
      }),
      { numRuns: 3000 },
    );
  });

  it('agrees with the reference on values built to match (and nearly match) the pattern', () => {
    const piece = fc.stringMatching(/^[ab:/*?]{0,4}$/);
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), fc.array(fc.stringMatching(/^[ab]{0,3}$/)), (pieces, fills) => {
        const pattern = pieces.join('');
        // Replace each wildcard by some text: usually a match, sometimes not (? with two characters).
        let k = 0;
        const value = [...pattern].map((c) => (c === '*' || c === '?' ? (fills[k++] ?? '') : c)).join('');
        expect(wildcardMatch(pattern, value)).toBe(referenceMatch(pattern, value, false));
      }),
      { numRuns: 2000 },
    );
  });

  it('takes milliseconds on star-heavy patterns (a RegExp took 94 s on ********Z)', () => {
    const value = `${STREAM}/${'a'.repeat(2000)}`;
    for (const pattern of ['********Z', `${'*'.repeat(41)}Z`, `${'*a'.repeat(500)}Z`, `${'?*'.repeat(400)}Z`]) {
      const started = performance.now();
      expect(wildcardMatch(pattern, value)).toBe(false);
      expect(performance.now() - started).toBeLessThan(200);
    }
  });

  it('lint takes milliseconds on a star-heavy Resource, Action, Principal or condition', () => {
    expect(lintTime('********Z')).toBeLessThan(500);
    expect(lintTime(`${'*'.repeat(41)}Z`)).toBeLessThan(500);
    expect(lintTime(`arn:${'*a'.repeat(300)}*Z`)).toBeLessThan(500);
    const policy = JSON.parse(JSON.stringify(streamReadPolicy(STREAM, [ROLE])));
    policy.Statement[0].Action = [`kinesis:${'*'.repeat(60)}`, `kinesis:${'*?'.repeat(300)}Z`];
    policy.Statement.push({
      Effect: 'Deny',
      Principal: '*',
      NotAction: `kinesis:${'*k'.repeat(300)}Z`,
      NotResource: `arn:${'*:'.repeat(200)}Z`,
      Condition: { ArnNotLike: { 'aws:PrincipalArn': `arn:aws:iam::${'*8'.repeat(300)}:role/${'*r'.repeat(300)}Z` } },
    });
    const started = performance.now();
    const findings = lintStreamPolicy(policy, STREAM);
    expect(performance.now() - started).toBeLessThan(500);
    // The Deny applies: NotAction and NotResource leave the reads in, the role does not match the ArnNotLike.
    expect(findings.filter((f) => f.code === 'DENIED_ACTION')).toHaveLength(5);
  });
});
