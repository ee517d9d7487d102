import { InvalidInputError } from '@streamshare/core';
import { describeThrown, parseConsumerArn } from '@streamshare/core/internal';
import { arnKind } from './arn-kinds.js';
import { evaluateConditions } from './conditions.js';
import { clip, quote, ROOT_PATH } from './json-path.js';
import { type ParsedStatement, parsePolicy } from './parse-policy.js';
import { FAN_OUT_CONSUMER_ACTIONS, STREAM_CONSUMER_ACTIONS } from './policy-document.js';
import { Findings, type PolicyFinding } from './policy-finding.js';
import { type Party, type PrincipalParties, partyOf, principalMatch, principalParties } from './principals.js';
import { wildcardMatch } from './wildcard.js';

export type { PolicyFinding } from './policy-finding.js';

/** Options of {@link lintStreamPolicy} and {@link lintConsumerPolicy}. */
export interface LintStreamPolicyOptions {
  /**
   * The consumers to check: IAM role or user ARNs, account ids or account root ARNs. Default: every
   * AWS principal that an Allow statement grants one of the needed actions on the resource.
   */
  readonly principals?: readonly string[];
}

/** At most this many consumers are checked one by one; a warning says when there were more. */
export const MAX_CHECKED_PRINCIPALS = 100;

/** Actions that write, delete or reconfigure a stream: an Allow granting one of them draws a warning. */
const STREAM_WRITE_ACTIONS = [
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

/** Actions that delete or reconfigure a registered consumer: an Allow granting one of them draws a warning. */
const CONSUMER_WRITE_ACTIONS = [
  'kinesis:DeregisterStreamConsumer',
  'kinesis:PutResourcePolicy',
  'kinesis:DeleteResourcePolicy',
  'kinesis:TagResource',
  'kinesis:UntagResource',
] as const;

/**
 * The actions whose resource may be a registered consumer (AWS's service authorization reference):
 * any other action in a consumer's policy grants nothing (its resource is the stream, or none).
 */
const CONSUMER_RESOURCE_ACTIONS: ReadonlySet<string> = new Set(
  [
    ...FAN_OUT_CONSUMER_ACTIONS,
    ...CONSUMER_WRITE_ACTIONS,
    'kinesis:GetResourcePolicy',
    'kinesis:ListTagsForResource',
  ].map((action) => action.toLowerCase()),
);

/** What a policy is linted for: the resource it is attached to and the actions a consumer needs on it. */
interface LintTarget {
  readonly kind: 'stream' | 'consumer';
  readonly arn: string;
  /** The actions each consumer needs on `arn`. */
  readonly actions: readonly string[];
  /** The actions an Allow should not grant (a warning). */
  readonly writes: readonly string[];
  /** `the stream`, `the consumer`: in messages. */
  readonly noun: string;
  /** What a consumer does with the resource, for messages: `read the stream`. */
  readonly use: string;
  /** For a consumer: its parts (stream ARN, name, creation timestamp). */
  readonly consumer?: { readonly streamArn: string; readonly name: string; readonly timestamp: string };
}

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
  /** Whether the statement applies to the linted resource (Resource / NotResource). */
  readonly onTarget: boolean;
  /** Per needed action (in the target's `actions` order): whether Action / NotAction takes it in. */
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

function analyze(statement: ParsedStatement, target: LintTarget): Analyzed {
  const listed = statement.resources.patterns.some((pattern) => wildcardMatch(pattern, target.arn, false));
  return {
    statement,
    principals: principalParties(statement.principal),
    onTarget: listed !== statement.resources.not,
    reads: target.actions.map((action) => actionMatches(statement, action)),
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
function checkPrincipals(findings: Findings, analyzed: Analyzed, target: LintTarget): void {
  const { statement } = analyzed;
  const { index } = statement;
  if (statement.effect === 'Allow' && statement.principal.any) {
    findings.warn(
      'WILDCARD_PRINCIPAL',
      statement.principal.path,
      `statement ${index} allows any principal ("*"): anyone with the ARN could ${target.use} unless a Condition limits it`,
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

/** Why a statement that names resources does not apply to the consumer, when its resources tell more than "not this one". */
function consumerMismatch(statement: ParsedStatement, target: LintTarget): { code: string; why: string } | undefined {
  const consumer = target.consumer;
  if (consumer === undefined || statement.resources.not) return undefined;
  const streams = statement.resources.patterns.filter((r) => arnKind(r) === 'kinesis-stream');
  if (streams.length > 0) {
    return {
      code: 'STREAM_RESOURCE',
      why: `it names the stream (${streams.map((r) => quote(r)).join(', ')}), and a policy attached to a consumer applies to the consumer ARN only: Resource must be ${target.arn}; the stream's actions (DescribeStreamSummary, ListShards) belong in the stream's own policy`,
    };
  }
  const prefix = `${consumer.streamArn}/consumer/${consumer.name}:`;
  const stale = statement.resources.patterns.find((r) => r.startsWith(prefix) && !/[*?]/.test(r));
  if (stale !== undefined) {
    return {
      code: 'RESOURCE_MISMATCH',
      why: `it names consumer ${consumer.name} created at ${quote(stale.slice(prefix.length))}, while the consumer's ARN has ${consumer.timestamp}: the consumer was registered again (a new registration gets a new ARN); name ${target.arn}`,
    };
  }
  return undefined;
}

/** What an Allow grants beyond what is needed, and the resource it applies to. */
function checkGrant(findings: Findings, analyzed: Analyzed, target: LintTarget): void {
  const { statement } = analyzed;
  if (statement.effect !== 'Allow') return;
  const { index } = statement;
  if (!analyzed.onTarget) {
    const resources = statement.resources.patterns.map((r) => quote(r)).join(', ');
    const mismatch = consumerMismatch(statement, target);
    findings.error(
      mismatch?.code ?? 'RESOURCE_MISMATCH',
      statement.resources.path,
      `statement ${index} applies to ${statement.resources.not ? `every resource but ${resources}` : resources}, not to ${target.noun} ${target.arn}${mismatch ? `: ${mismatch.why}` : ''}`,
      index,
    );
  }
  if (target.kind === 'consumer' && !statement.actions.not) checkConsumerActions(findings, statement);
  const writes = target.writes.filter((action) => actionMatches(statement, action));
  if (writes.length === 0) return;
  const grants = statement.actions.not
    ? `every action but ${statement.actions.patterns.join(', ')}`
    : statement.actions.patterns.filter((p) => writes.some((w) => wildcardMatch(p, w, true))).join(', ');
  const instead = target.kind === 'stream' ? 'the five read actions' : `${FAN_OUT_CONSUMER_ACTIONS.join(' and ')} only`;
  findings.warn(
    'WILDCARD_ACTION',
    statement.actions.path,
    `statement ${index} grants ${grants}: that includes writes and deletes (${writes.join(', ')}); grant ${instead} instead`,
    index,
  );
}

/** In a consumer's policy: actions named one by one whose resource is never a consumer grant nothing. */
function checkConsumerActions(findings: Findings, statement: ParsedStatement): void {
  const idle = statement.actions.patterns.filter(
    (action) => !/[*?]/.test(action) && !CONSUMER_RESOURCE_ACTIONS.has(action.toLowerCase()),
  );
  if (idle.length === 0) return;
  findings.warn(
    'NOT_A_CONSUMER_ACTION',
    statement.actions.path,
    `statement ${statement.index} grants ${idle.join(', ')} on a consumer, where ${idle.length === 1 ? 'it grants' : 'they grant'} nothing: a consumer's policy covers ${FAN_OUT_CONSUMER_ACTIONS.join(' and ')}; stream actions (kinesis:DescribeStreamSummary, kinesis:ListShards) go in the stream's own policy`,
    statement.index,
  );
}

function consumersFrom(statements: readonly Analyzed[]): Party[] {
  const byLabel = new Map<string, Party>();
  for (const analyzed of statements) {
    const { statement } = analyzed;
    if (statement.effect !== 'Allow' || !analyzed.onTarget || !analyzed.reads.some(Boolean)) continue;
    for (const party of analyzed.principals.parties) if (!byLabel.has(party.label)) byLabel.set(party.label, party);
  }
  return [...byLabel.values()];
}

function who(parties: readonly Party[]): string {
  const labels = parties.map((p) => clip(p.label));
  return labels.length <= 5 ? labels.join(', ') : `${labels.slice(0, 5).join(', ')} and ${labels.length - 5} more`;
}

const MISSING_HINTS: Readonly<Record<string, string>> = {
  'kinesis:DescribeStream':
    " The console's visual policy editor leaves kinesis:DescribeStream out, and adding the Lambda trigger then fails with an API error: add it to the statement.",
  'kinesis:SubscribeToShard':
    ' SubscribeToShard is the enhanced fan-out read itself: without it the consumer account cannot read through this consumer.',
  'kinesis:DescribeStreamConsumer':
    ' The poller and a Lambda trigger call DescribeStreamConsumer (is the consumer ACTIVE?) before they subscribe.',
};

function missingHint(action: string): string {
  return MISSING_HINTS[action] ?? '';
}

/** Whether each consumer can run each read action: explicit Deny wins, then an Allow is needed. */
function checkAccess(
  findings: Findings,
  statements: readonly Analyzed[],
  consumers: readonly Party[],
  target: LintTarget,
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

  target.actions.forEach((action, a) => {
    consumers.forEach((consumer, c) => {
      let allowed = false;
      let allowMaybe: { analyzed: Analyzed; why: string } | undefined;
      let deny: Analyzed | undefined;
      let denyMaybe: { analyzed: Analyzed; why: string } | undefined;
      for (const analyzed of statements) {
        if (!analyzed.onTarget || !analyzed.reads[a]) continue;
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

  for (const action of target.actions) {
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
        `${action} is not allowed on ${target.arn} to ${who(parties)}.${missingHint(action)}`,
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

function lint(findings: Findings, policy: unknown, target: LintTarget, principals: readonly Party[] | undefined): void {
  const parsed = parsePolicy(policy, findings);
  const statements = parsed.statements.map((statement) => analyze(statement, target));
  for (const analyzed of statements) {
    checkPrincipals(findings, analyzed, target);
    checkGrant(findings, analyzed, target);
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
    for (const action of target.actions) {
      findings.error(
        'MISSING_ACTION',
        'Statement',
        `${action} is not allowed on ${target.arn}: no Allow statement grants it to a role or account.${missingHint(action)}`,
      );
    }
    return;
  }
  if (consumers.length > MAX_CHECKED_PRINCIPALS) {
    findings.warn(
      'TOO_MANY_PRINCIPALS',
      'Statement',
      `the policy lets ${consumers.length} principals ${target.use}; the first ${MAX_CHECKED_PRINCIPALS} were checked (lint with --principal ARN for another one)`,
    );
    consumers = consumers.slice(0, MAX_CHECKED_PRINCIPALS);
  }
  checkAccess(findings, statements, consumers, target);
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
  return lintFor(policy, streamTarget(streamArn), options);
}

function streamTarget(streamArn: string): LintTarget {
  return {
    kind: 'stream',
    arn: streamArn,
    actions: STREAM_CONSUMER_ACTIONS,
    writes: STREAM_WRITE_ACTIONS,
    noun: 'the stream',
    use: 'read the stream',
  };
}

/**
 * Checks the resource-based policy of an enhanced fan-out consumer (the policy attached to the
 * consumer ARN `arn:aws:kinesis:<region>:<account>:stream/<stream>/consumer/<name>:<timestamp>`),
 * like {@link lintStreamPolicy}: the same grammar, principal and access checks, for the two actions
 * a consumer account needs on the consumer, `kinesis:DescribeStreamConsumer` and
 * `kinesis:SubscribeToShard` (`MISSING_ACTION` for each one not allowed). Besides:
 *
 * - `STREAM_RESOURCE` (error): a statement names the stream's ARN: a consumer's policy applies to
 *   the consumer ARN only, the stream's actions belong in the stream's own policy;
 * - `RESOURCE_MISMATCH` (error): a statement names another resource, or the consumer with another
 *   creation timestamp (it was registered again since);
 * - `NOT_A_CONSUMER_ACTION` (warning): an action whose resource is never a consumer
 *   (kinesis:GetRecords, kinesis:ListShards...) grants nothing there;
 * - `WILDCARD_ACTION` (warning): an Allow that includes deregistering the consumer or changing its
 *   policy; `WILDCARD_PRINCIPAL` (warning): `"*"`.
 *
 * Throws an `InvalidInputError` only for bad arguments (`INVALID_ARN`, `INVALID_PRINCIPAL`).
 */
export function lintConsumerPolicy(
  policy: unknown,
  consumerArn: string,
  options: LintStreamPolicyOptions = {},
): PolicyFinding[] {
  let parts: ReturnType<typeof parseConsumerArn>;
  try {
    parts = parseConsumerArn(consumerArn);
  } catch (error) {
    throw new InvalidInputError('INVALID_ARN', describeThrown(error), { cause: error });
  }
  return lintFor(
    policy,
    {
      kind: 'consumer',
      arn: parts.arn,
      actions: FAN_OUT_CONSUMER_ACTIONS,
      writes: CONSUMER_WRITE_ACTIONS,
      noun: 'the consumer',
      use: 'subscribe to the stream through the consumer',
      consumer: { streamArn: parts.streamArn, name: parts.consumerName, timestamp: parts.creationTimestamp },
    },
    options,
  );
}

function lintFor(policy: unknown, target: LintTarget, options: LintStreamPolicyOptions): PolicyFinding[] {
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
    lint(findings, policy, target, principals);
  } catch (error) {
    // Only a value that is not JSON gets here (a Proxy or a getter that throws).
    findings.error('UNREADABLE', ROOT_PATH, `the policy could not be read: ${describeThrown(error)}`);
  }
  return findings.list;
}
