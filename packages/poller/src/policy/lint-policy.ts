import { arnKind } from './arn-kinds.js';
import { asList, type PolicyStatement, STREAM_CONSUMER_ACTIONS } from './policy-document.js';

/** One finding of the policy linter. */
export interface PolicyFinding {
  readonly severity: 'error' | 'warning';
  /** Stable code, e.g. MISSING_ACTION, BAD_PRINCIPAL. */
  readonly code: string;
  readonly message: string;
  /** Index of the statement at fault, when there is one. */
  readonly statement?: number;
}

/** IAM's wildcard match (`*` any run, `?` one character), case-insensitive for actions. */
function globMatch(pattern: string, value: string, ignoreCase: boolean): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, ignoreCase ? 'i' : '').test(value);
}

function principalsOf(statement: PolicyStatement): readonly string[] {
  if (statement.Principal === '*') return ['*'];
  if (typeof statement.Principal !== 'object' || statement.Principal === null) return [];
  return asList(statement.Principal.AWS);
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

/**
 * Checks a stream's resource-based policy for a cross-account consumer: the five actions, the
 * principals, the resource. Pure: takes the parsed JSON and the stream ARN, returns findings.
 */
export function lintStreamPolicy(policy: unknown, streamArn: string): PolicyFinding[] {
  const findings: PolicyFinding[] = [];
  const error = (code: string, message: string, statement?: number) =>
    findings.push({ severity: 'error', code, message, ...(statement === undefined ? {} : { statement }) });
  const warn = (code: string, message: string, statement?: number) =>
    findings.push({ severity: 'warning', code, message, ...(statement === undefined ? {} : { statement }) });

  if (typeof policy !== 'object' || policy === null || Array.isArray(policy)) {
    error('NOT_A_POLICY', 'the file does not hold a policy document (a JSON object with Version and Statement)');
    return findings;
  }
  const document = policy as { Version?: unknown; Statement?: unknown };
  if (document.Version !== '2012-10-17') {
    warn('VERSION', `Version is ${JSON.stringify(document.Version)}; use "2012-10-17"`);
  }
  const statements = (Array.isArray(document.Statement) ? document.Statement : [document.Statement]).filter(
    (s): s is PolicyStatement => typeof s === 'object' && s !== null,
  );
  if (statements.length === 0) {
    error('NO_STATEMENT', 'the policy has no Statement');
    return findings;
  }

  const granted = new Set<string>();
  const denied = new Set<string>();
  let principalCount = 0;
  statements.forEach((statement, index) => {
    const actions = asList(statement.Action as string | string[]);
    const resources = asList(statement.Resource as string | string[]);
    const matchesStream = resources.some((r) => globMatch(r, streamArn, false));
    if (!matchesStream) {
      error(
        'RESOURCE_MISMATCH',
        `statement ${index} applies to ${resources.map((r) => JSON.stringify(r)).join(', ') || 'no resource'}, not to the stream ${streamArn}`,
        index,
      );
    }
    for (const principal of principalsOf(statement)) {
      principalCount += 1;
      if (principal === '*') {
        warn(
          'WILDCARD_PRINCIPAL',
          `statement ${index} allows any principal ("*"): anyone with the ARN could read the stream unless a Condition limits it`,
          index,
        );
        continue;
      }
      const kind = arnKind(principal);
      if (kind === 'iam-role' || kind === 'account-root' || kind === 'account-id') continue;
      if (kind === 'iam-user') {
        warn(
          'USER_PRINCIPAL',
          `statement ${index}: principal ${principal} is an IAM user; consumers usually read as a role`,
          index,
        );
        continue;
      }
      error('BAD_PRINCIPAL', `statement ${index}: principal ${principal} ${PRINCIPAL_ADVICE[kind]}`, index);
    }
    for (const action of actions) {
      if (/^kinesis:\*$/i.test(action) || action === '*') {
        warn(
          'WILDCARD_ACTION',
          `statement ${index} grants ${action}: that includes writes and deletes; grant the five read actions instead`,
          index,
        );
      }
    }
    if (!matchesStream) return;
    for (const needed of STREAM_CONSUMER_ACTIONS) {
      if (actions.some((a) => globMatch(a, needed, true))) {
        (statement.Effect === 'Deny' ? denied : granted).add(needed);
      }
    }
  });

  if (principalCount === 0) error('NO_PRINCIPAL', 'no statement names a Principal');
  for (const needed of STREAM_CONSUMER_ACTIONS) {
    if (denied.has(needed)) {
      error('DENIED_ACTION', `${needed} is denied by a Deny statement; the consumer needs it`);
    } else if (!granted.has(needed)) {
      const hint =
        needed === 'kinesis:DescribeStream'
          ? " The console's visual policy editor leaves kinesis:DescribeStream out, and adding the Lambda trigger then fails with an API error: add it to the statement."
          : '';
      error('MISSING_ACTION', `${needed} is not allowed on ${streamArn}.${hint}`);
    }
  }
  return findings;
}
