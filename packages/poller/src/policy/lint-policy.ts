import { InvalidInputError } from '@streamshare/core';
import { describeThrown } from '@streamshare/core/internal';
import { arnKind } from './arn-kinds.js';
import { evaluateConditions } from './conditions.js';
import { clip, quote, ROOT_PATH } from './json-path.js';
import { type ParsedStatement, parsePolicy } from './parse-policy.js';
import { STREAM_CONSUMER_ACTIONS } from './policy-document.js';
import { Findings, type PolicyFinding } from './policy-finding.js';
import { type Party, type PrincipalParties, partyOf, principalMatch, principalParties } from './principals.js';
import { wildcardMatch } from './wildcard.js';

export type { PolicyFinding } from './policy-finding.js';

/** Options of {@link lintStreamPolicy}. */
export interface LintStreamPolicyOptions {
  /**
   * The consumers to check: IAM role or user ARNs, account ids or account root ARNs. Default: every
   * AWS principal that an Allow statement grants one of the five read actions on the stream.
   */
  readonly principals?: readonly string[];
}

/** At most this many consumers are checked one by one; a warning says when there were more. */
export const MAX_CHECKED_PRINCIPALS = 100;

/** Actions that write, delete or reconfigure a stream: an Allow granting one of them draws a warning. */
const WRITE_ACTIONS = [
  'kinesis:PutRecord',
  'kinesis:PutRecords',
  'kinesis:DeleteStream',
  'kinesis:UpdateShardCount',
  'kinesis:SplitShard',
  'kinesis:MergeShards',
  'kinesis:PutResourcePolicy',
  'kinesis:DeleteResourcePolicy',
  'kinesis:DecreaseStreamRetentionPeriod',
] as const;

const PRINCIPAL_ADVICE: Record<string, string> = {
  'lambda-function':
    "is a Lambda function ARN; the Principal must be the function's execution role (arn:aws:iam::<account>:role/<name>), which Lambda uses to read the stream",
  'kinesis-stream': 'is a stream ARN; the Principal must be the IAM role that reads the stream, not a stream',
  'kinesis-consumer': 'is a stream consumer ARN; the Principal must be the IAM role that reads the stream',
  'assumed-role':
    'is an assumed-role session ARN, which changes with every session; name the role itself (arn:aws:iam::<account>:role/<name>)',
  'event-bus': 'is an event bus ARN; the Principal must be the IAM role that reads the stream',
  other: 'is not an IAM role or account ARN',
};

/** A valid statement, with what does not depend on the consumer worked out once. */
interface Analyzed {
  readonly statement: ParsedStatement;
  readonly principals: PrincipalParties;
  /** Whether the statement applies to the stream (Resource / NotResource). */
  readonly onStream: boolean;
  /** Per read action (in STREAM_CONSUMER_ACTIONS order): whether Action / NotAction takes it in. */
  readonly reads: readonly boolean[];
}

/** Whether a statement applies to one consumer's read on the stream. */
interface Match {
  readonly level: 'yes' | 'maybe' | 'no';
  /** For `maybe`: what decides. */
  readonly why?: string;
}

function actionMatches(statement: ParsedStatement, action: string): boolean {
  const listed = statement.actions.patterns.some((pattern) => wildcardMatch(pattern, action, true));
  return listed !== statement.actions.not;
}

function analyze(statement: ParsedStatement, streamArn: string): Analyzed {
  const listed = statement.resources.patterns.some((pattern) => wildcardMatch(pattern, streamArn, false));
  return {
    statement,
    principals: principalParties(statement.principal),
    onStream: listed !== statement.resources.not,
    reads: STREAM_CONSUMER_ACTIONS.map((action) => actionMatches(statement, action)),
  };
}

function matchFor(analyzed: Analyzed, consumer: Party): Match {
  const principal = principalMatch(analyzed.principals, consumer);
  if (principal.coverage === 'none') return { level: 'no' };
  const condition = evaluateConditions(analyzed.statement.conditions, consumer);
  if (condition.result === 'false') return { level: 'no' };
  const why: string[] = [];
  if (principal.coverage === 'some' && principal.why) why.push(principal.why);
  if (condition.result === 'unknown') {
    why.push(`its Condition decides (${condition.undecided.join(', ')}), which depends on the request`);
  }
  return why.length === 0 ? { level: 'yes' } : { level: 'maybe', why: why.join('; and ') };
}

/** The principal checks of one statement (what it names, not whether it grants). */
function checkPrincipals(findings: Findings, analyzed: Analyzed): void {
  const { statement } = analyzed;
  const { index } = statement;
  if (statement.effect === 'Allow' && statement.principal.any) {
    findings.warn(
      'WILDCARD_PRINCIPAL',
      statement.principal.path,
      `statement ${index} allows any principal ("*"): anyone with the ARN could read the stream unless a Condition limits it`,
      index,
    );
  }
  for (const entry of statement.principal.aws) {
    const kind = arnKind(entry.value);
    if (kind === 'iam-role' || kind === 'account-root' || kind === 'account-id') continue;
    if (statement.effect === 'Deny') {
      // A Deny (or its NotPrincipal) may name users and role sessions too.
      if (kind === 'iam-user' || kind === 'assumed-role') continue;
      findings.error(
        'BAD_PRINCIPAL',
        entry.path,
        `statement ${index}: principal ${clip(entry.value)} ${kind === 'other' ? 'is not an IAM role, user, role session or account ARN' : PRINCIPAL_ADVICE[kind]}`,
        index,
      );
    } else if (kind === 'iam-user') {
      findings.warn(
        'USER_PRINCIPAL',
        entry.path,
        `statement ${index}: principal ${clip(entry.value)} is an IAM user; consumers usually read as a role`,
        index,
      );
    } else {
      findings.error(
        'BAD_PRINCIPAL',
        entry.path,
        `statement ${index}: principal ${clip(entry.value)} ${PRINCIPAL_ADVICE[kind]}`,
        index,
      );
    }
  }
}

/** What an Allow grants beyond reading, and the resource it applies to. */
function checkGrant(findings: Findings, analyzed: Analyzed, streamArn: string): void {
  const { statement } = analyzed;
  if (statement.effect !== 'Allow') return;
  const { index } = statement;
  if (!analyzed.onStream) {
    const resources = statement.resources.patterns.map((r) => quote(r)).join(', ');
    findings.error(
      'RESOURCE_MISMATCH',
      statement.resources.path,
      `statement ${index} applies to ${statement.resources.not ? `every resource but ${resources}` : resources}, not to the stream ${streamArn}`,
      index,
    );
  }
  const writes = WRITE_ACTIONS.filter((action) => actionMatches(statement, action));
  if (writes.length === 0) return;
  const grants = statement.actions.not
    ? `every action but ${statement.actions.patterns.join(', ')}`
    : statement.actions.patterns.filter((p) => writes.some((w) => wildcardMatch(p, w, true))).join(', ');
  findings.warn(
    'WILDCARD_ACTION',
    statement.actions.path,
    `statement ${index} grants ${grants}: that includes writes and deletes (${writes.join(', ')}); grant the five read actions instead`,
    index,
  );
}

function consumersFrom(statements: readonly Analyzed[]): Party[] {
  const byLabel = new Map<string, Party>();
  for (const analyzed of statements) {
    const { statement } = analyzed;
    if (statement.effect !== 'Allow' || !analyzed.onStream || !analyzed.reads.some(Boolean)) continue;
    for (const party of analyzed.principals.parties) if (!byLabel.has(party.label)) byLabel.set(party.label, party);
  }
  return [...byLabel.values()];
}

function who(parties: readonly Party[]): string {
  const labels = parties.map((p) => clip(p.label));
  return labels.length <= 5 ? labels.join(', ') : `${labels.slice(0, 5).join(', ')} and ${labels.length - 5} more`;
}

function missingHint(action: string): string {
  return action === 'kinesis:DescribeStream'
    ? " The console's visual policy editor leaves kinesis:DescribeStream out, and adding the Lambda trigger then fails with an API error: add it to the statement."
    : '';
}

/** Whether each consumer can run each read action: explicit Deny wins, then an Allow is needed. */
function checkAccess(
  findings: Findings,
  statements: readonly Analyzed[],
  consumers: readonly Party[],
  streamArn: string,
) {
  const denied = new Map<string, { action: string; statement: ParsedStatement; parties: Party[] }>();
  const missing = new Map<string, Party[]>();
  const unsure = new Map<
    string,
    { statement: ParsedStatement; verb: string; why: string; actions: Set<string>; parties: Set<Party> }
  >();
  const matches = consumers.map(() => new Map<Analyzed, Match>());
  const matchOf = (consumer: number, analyzed: Analyzed): Match => {
    let match = matches[consumer]!.get(analyzed);
    if (match === undefined) {
      match = matchFor(analyzed, consumers[consumer]!);
      matches[consumer]!.set(analyzed, match);
    }
    return match;
  };

  STREAM_CONSUMER_ACTIONS.forEach((action, a) => {
    consumers.forEach((consumer, c) => {
      let allowed = false;
      let allowMaybe: { analyzed: Analyzed; why: string } | undefined;
      let deny: Analyzed | undefined;
      let denyMaybe: { analyzed: Analyzed; why: string } | undefined;
      for (const analyzed of statements) {
        if (!analyzed.onStream || !analyzed.reads[a]) continue;
        const match = matchOf(c, analyzed);
        if (match.level === 'no') continue;
        if (analyzed.statement.effect === 'Allow') {
          if (match.level === 'yes') allowed = true;
          else allowMaybe ??= { analyzed, why: match.why ?? '' };
        } else if (match.level === 'yes') {
          deny ??= analyzed;
        } else {
          denyMaybe ??= { analyzed, why: match.why ?? '' };
        }
      }
      if (deny !== undefined) {
        const key = `${action}\u0000${deny.statement.index}`;
        const entry = denied.get(key) ?? { action, statement: deny.statement, parties: [] };
        entry.parties.push(consumer);
        denied.set(key, entry);
        return;
      }
      if (!allowed && allowMaybe === undefined) {
        missing.set(action, [...(missing.get(action) ?? []), consumer]);
        return;
      }
      for (const [verb, maybe] of [
        ['allows', allowed ? undefined : allowMaybe],
        ['denies', denyMaybe],
      ] as const) {
        if (maybe === undefined) continue;
        const { statement } = maybe.analyzed;
        const key = `${statement.index}\u0000${verb}\u0000${maybe.why}`;
        const entry = unsure.get(key) ?? {
          statement,
          verb,
          why: maybe.why,
          actions: new Set<string>(),
          parties: new Set<Party>(),
        };
        entry.actions.add(action);
        entry.parties.add(consumer);
        unsure.set(key, entry);
      }
    });
  });

  for (const action of STREAM_CONSUMER_ACTIONS) {
    for (const entry of denied.values()) {
      if (entry.action !== action) continue;
      findings.error(
        'DENIED_ACTION',
        entry.statement.path,
        `${action} is denied to ${who(entry.parties)} by statement ${entry.statement.index} (a Deny wins over any Allow); the consumer needs it`,
        entry.statement.index,
      );
    }
    const parties = missing.get(action);
    if (parties !== undefined) {
      findings.error(
        'MISSING_ACTION',
        'Statement',
        `${action} is not allowed on ${streamArn} to ${who(parties)}.${missingHint(action)}`,
      );
    }
  }
  for (const entry of unsure.values()) {
    findings.warn(
      'CANNOT_TELL',
      entry.statement.path,
      `cannot tell whether statement ${entry.statement.index} ${entry.verb} ${[...entry.actions].join(', ')} to ${who([...entry.parties])}: ${entry.why}`,
      entry.statement.index,
    );
  }
}

function lint(findings: Findings, policy: unknown, streamArn: string, principals: readonly Party[] | undefined): void {
  const parsed = parsePolicy(policy, findings);
  const statements = parsed.statements.map((statement) => analyze(statement, streamArn));
  for (const analyzed of statements) {
    checkPrincipals(findings, analyzed);
    checkGrant(findings, analyzed, streamArn);
  }
  if (!parsed.valid) {
    if (parsed.statementCount === 0) return;
    findings.warn(
      'ACCESS_NOT_CHECKED',
      ROOT_PATH,
      'the access check was skipped: AWS refuses a policy with the errors above; fix them and lint again',
    );
    return;
  }
  const allowsAws = statements.some(
    (a) => a.statement.effect === 'Allow' && (a.statement.principal.any || a.statement.principal.aws.length > 0),
  );
  if (!allowsAws) {
    findings.error(
      'NO_PRINCIPAL',
      'Statement',
      'no Allow statement names an AWS principal (an IAM role ARN or an account) in its Principal',
    );
  }
  let consumers = principals !== undefined && principals.length > 0 ? principals : consumersFrom(statements);
  if (consumers.length === 0) {
    for (const action of STREAM_CONSUMER_ACTIONS) {
      findings.error(
        'MISSING_ACTION',
        'Statement',
        `${action} is not allowed on ${streamArn}: no Allow statement grants it to a role or account.${missingHint(action)}`,
      );
    }
    return;
  }
  if (consumers.length > MAX_CHECKED_PRINCIPALS) {
    findings.warn(
      'TOO_MANY_PRINCIPALS',
      'Statement',
      `the policy lets ${consumers.length} principals read; the first ${MAX_CHECKED_PRINCIPALS} were checked (lint with --principal ARN for another one)`,
    );
    consumers = consumers.slice(0, MAX_CHECKED_PRINCIPALS);
  }
  checkAccess(findings, statements, consumers, streamArn);
}

/**
 * Checks a stream's resource-based policy for cross-account consumers. Pure: takes the parsed JSON
 * (any value) and the stream ARN, returns findings; it never throws on the policy.
 *
 * - The grammar: elements, their JSON types, Effect (case-sensitive `Allow` / `Deny`), action and
 *   resource formats, no wildcard in part of a principal. Each problem is an error carrying the
 *   JSON path of the element (`Statement[0].Principal.AWS`); the access check is then skipped.
 * - The access of each consumer (`options.principals`, or every principal an Allow names) to the
 *   five read actions on the stream, as IAM evaluates it: Action / NotAction, Resource /
 *   NotResource, Principal / NotPrincipal, an explicit Deny wins. A Condition the linter cannot
 *   evaluate for the consumer's reads gives a `CANNOT_TELL` warning, not an error;
 *   `aws:SecureTransport` (always true for the SDK), `aws:PrincipalArn` and `aws:PrincipalAccount`
 *   are evaluated.
 * - Warnings for `"*"` principals, IAM users, and Allows that include writes.
 *
 * Throws an `InvalidInputError` only for bad arguments: `streamArn` not a stream ARN
 * (`INVALID_ARN`), or an `options.principals` entry that is not a role, user or account
 * (`INVALID_PRINCIPAL`).
 */
export function lintStreamPolicy(
  policy: unknown,
  streamArn: string,
  options: LintStreamPolicyOptions = {},
): PolicyFinding[] {
  if (typeof streamArn !== 'string' || arnKind(streamArn) !== 'kinesis-stream') {
    throw new InvalidInputError(
      'INVALID_ARN',
      `${typeof streamArn === 'string' ? quote(streamArn) : typeof streamArn} is not a stream ARN (arn:aws:kinesis:<region>:<account>:stream/<name>)`,
    );
  }
  const principals = options.principals?.map((principal) => {
    const party = typeof principal === 'string' ? partyOf(principal) : undefined;
    if (party === undefined || party.kind === 'any' || party.kind === 'session' || party.kind === 'other') {
      throw new InvalidInputError(
        'INVALID_PRINCIPAL',
        `principal ${typeof principal === 'string' ? quote(principal) : typeof principal} to check is not an IAM role or user ARN or an account (arn:aws:iam::<account>:role/<name>, arn:aws:iam::<account>:root or a 12-digit id)`,
      );
    }
    return party;
  });
  const findings = new Findings();
  try {
    lint(findings, policy, streamArn, principals);
  } catch (error) {
    // Only a value that is not JSON gets here (a Proxy or a getter that throws).
    findings.error('UNREADABLE', ROOT_PATH, `the policy could not be read: ${describeThrown(error)}`);
  }
  return findings.list;
}
