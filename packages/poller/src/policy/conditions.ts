/**
 * The Condition keys the linter can evaluate exactly for a consumer's reads, and "cannot tell"
 * for every other one:
 *
 * - `aws:SecureTransport` is `true`: the AWS SDK (the poller, and the Lambda service) always calls
 *   Kinesis over TLS. So the recommended "Deny unless aws:SecureTransport" statement denies nothing.
 * - `aws:PrincipalArn` is the consumer role's (or user's) ARN, for a consumer named by its ARN.
 * - `aws:PrincipalAccount` is the consumer's account.
 *
 * Condition key names are case-insensitive; operators are matched as AWS spells them.
 */
import type { ParsedCondition } from './parse-policy.js';
import type { Party } from './principals.js';
import { arnMatch, wildcardMatch } from './wildcard.js';

/** The outcome of a statement's Condition for one consumer. */
export type ConditionResult =
  | { readonly result: 'true' | 'false' }
  | { readonly result: 'unknown'; readonly undecided: readonly string[] };

type Tri = 'true' | 'false' | 'unknown';

type Comparison = (pattern: string, value: string) => boolean;

/** The string and ARN operators: how one value compares, and whether the operator is negated. */
const STRING_OPERATORS = new Map<string, { compare: Comparison; negated: boolean }>([
  ['StringEquals', { compare: (p, v) => p === v, negated: false }],
  ['StringNotEquals', { compare: (p, v) => p === v, negated: true }],
  ['StringEqualsIgnoreCase', { compare: (p, v) => p.toLowerCase() === v.toLowerCase(), negated: false }],
  ['StringNotEqualsIgnoreCase', { compare: (p, v) => p.toLowerCase() === v.toLowerCase(), negated: true }],
  ['StringLike', { compare: (p, v) => wildcardMatch(p, v, false), negated: false }],
  ['StringNotLike', { compare: (p, v) => wildcardMatch(p, v, false), negated: true }],
  // ArnEquals and ArnLike behave the same: both take wildcards in each ARN component.
  ['ArnEquals', { compare: arnMatch, negated: false }],
  ['ArnLike', { compare: arnMatch, negated: false }],
  ['ArnNotEquals', { compare: arnMatch, negated: true }],
  ['ArnNotLike', { compare: arnMatch, negated: true }],
]);

/** The value of a key for the consumer's reads, or undefined when it depends on the request. */
function contextValue(key: string, consumer: Party): string | undefined {
  switch (key) {
    case 'aws:securetransport':
      return 'true';
    case 'aws:principalarn':
      // A role session's aws:PrincipalArn is its role's ARN (with its path), which a session ARN does not give.
      return consumer.kind === 'role' || consumer.kind === 'user' ? consumer.arn : undefined;
    case 'aws:principalaccount':
      return consumer.kind === 'any' ? undefined : consumer.account;
    default:
      return undefined;
  }
}

function evaluateOne(condition: ParsedCondition, consumer: Party): Tri {
  const value = contextValue(condition.key.toLowerCase(), consumer);
  if (value === undefined) return 'unknown';
  // The keys evaluated here are always in the request, so `...IfExists` tests the same way.
  const operator = condition.operator.endsWith('IfExists')
    ? condition.operator.slice(0, -'IfExists'.length)
    : condition.operator;
  const values = condition.values.map((v) => String(v));
  if (operator === 'Null') {
    // Null "true": the key is absent; "false": the key is present (these keys always are).
    const wanted = values.map((v) => v.toLowerCase());
    if (wanted.every((v) => v === 'false')) return 'true';
    if (wanted.every((v) => v === 'true')) return 'false';
    return 'unknown';
  }
  if (operator === 'Bool') {
    if (condition.key.toLowerCase() !== 'aws:securetransport') return 'unknown';
    const booleans = values.map((v) => v.toLowerCase());
    if (booleans.some((v) => v !== 'true' && v !== 'false')) return 'unknown';
    return booleans.includes(value) ? 'true' : 'false';
  }
  const string = STRING_OPERATORS.get(operator);
  if (string === undefined) return 'unknown';
  const matched = values.some((pattern) => string.compare(pattern, value));
  return matched !== string.negated ? 'true' : 'false';
}

/**
 * Evaluates a statement's Condition for `consumer`: every key test must hold. `false` as soon as
 * one test is exactly false; `unknown` (with the undecided tests) when the others cannot be told.
 */
export function evaluateConditions(conditions: readonly ParsedCondition[], consumer: Party): ConditionResult {
  const undecided: string[] = [];
  for (const condition of conditions) {
    const outcome = evaluateOne(condition, consumer);
    if (outcome === 'false') return { result: 'false' };
    if (outcome === 'unknown') undecided.push(`${condition.operator} ${condition.key}`);
  }
  return undecided.length === 0 ? { result: 'true' } : { result: 'unknown', undecided };
}
