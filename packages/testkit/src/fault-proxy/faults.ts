import { arnAccount, splitArn } from '@streamshare/core/internal';

/** What the fault proxy can do to a request instead of (or besides) forwarding it. */
export type FaultKind =
  /** HTTP 400 `ProvisionedThroughputExceededException` (per-shard throttling). */
  | 'throttle'
  /** HTTP 400 `LimitExceededException` (per-stream/account control-plane throttling). */
  | 'limit-exceeded'
  /** HTTP 400 `ExpiredIteratorException`. */
  | 'expired-iterator'
  /** HTTP 400 `AccessDeniedException` in the wording AWS uses for a missing policy grant. */
  | 'access-denied'
  /** HTTP 500 `InternalFailure`. */
  | 'internal-failure'
  /** HTTP 503 `ServiceUnavailable`. */
  | 'service-unavailable'
  /** The connection is destroyed before the request reaches the target: nothing happened. */
  | 'drop'
  /** The request reaches the target, then the connection is destroyed before the answer: it happened, the client cannot tell. */
  | 'drop-response'
  /** The request is forwarded after `delayMs`. */
  | 'delay'
  /**
   * PutRecords only: some entries (share `entryFailureRate`) are not forwarded and come back with
   * ErrorCode ProvisionedThroughputExceededException; the others are written. FailedRecordCount is set.
   */
  | 'partial-failure';

/** Every fault kind, in a stable order (for stats). */
export const FAULT_KINDS: readonly FaultKind[] = [
  'throttle',
  'limit-exceeded',
  'expired-iterator',
  'access-denied',
  'internal-failure',
  'service-unavailable',
  'drop',
  'drop-response',
  'delay',
  'partial-failure',
];

/** One rule of the fault proxy. The first rule that matches a request and fires decides its fate. */
export interface FaultRule {
  /**
   * Actions the rule applies to, by operation name (`'GetRecords'`) or full X-Amz-Target
   * (`'Kinesis_20131202.GetRecords'`). Default: every action.
   */
  readonly actions?: string | readonly string[];
  readonly fault: FaultKind;
  /** Chance that a matching request gets the fault, 0..1. Default 1. */
  readonly probability?: number;
  /** Fire at most this many times. Default: no limit. */
  readonly count?: number;
  /** Let this many matching requests through before the rule may fire. Default 0. */
  readonly skip?: number;
  /** For `'delay'`: milliseconds to wait before forwarding. Default 1000. */
  readonly delayMs?: number;
  /** For `'partial-failure'`: share of a call's entries that fail, 0..1 (at least one fails). Default 0.5. */
  readonly entryFailureRate?: number;
  /** Replaces the error message of an error fault. */
  readonly message?: string;
  /**
   * For `'access-denied'`: the denied principal. Default
   * `arn:aws:sts::<signing account>:assumed-role/streamshare-consumer/streamshare`.
   */
  readonly principalArn?: string;
  /** For `'access-denied'`: which policy is said to be missing. Default `'resource-based'`. */
  readonly reason?: 'resource-based' | 'identity-based';
}

/** What the proxy knows about a request when it shapes an error. */
export interface RequestFacts {
  /** Operation name, e.g. `GetRecords`; empty when the request had no X-Amz-Target. */
  readonly action: string;
  /** X-Amz-Target's service prefix, e.g. `Kinesis_20131202`. */
  readonly service: string;
  /** StreamARN of the request body, or one built from StreamName, the signing account and region. */
  readonly streamArn: string | undefined;
  readonly shardId: string | undefined;
  /** The signing account (the access key id when it is a 12-digit account id). */
  readonly account: string | undefined;
}

/** An AWS JSON error answer. */
export interface ErrorAnswer {
  readonly status: number;
  readonly type: string;
  readonly message: string;
}

/** The stream name of a stream (or consumer) ARN: its resource after `stream/`. */
function streamNameOf(arn: string | undefined): string {
  const resource = arn === undefined ? '' : (splitArn(arn)?.resource ?? '');
  const slash = resource.indexOf('/');
  return (slash < 0 ? '' : resource.slice(slash + 1)) || 'unknown';
}

/** The IAM action prefix of a service (`kinesis` for `Kinesis_20131202`). */
function iamPrefix(service: string): string {
  const lower = service.toLowerCase();
  if (lower.startsWith('kinesis')) return 'kinesis';
  if (lower.startsWith('dynamodb')) return 'dynamodb';
  if (lower.startsWith('awsevents')) return 'events';
  return lower.split('_')[0] || 'unknown';
}

function awsDate(date: Date): string {
  // Java's Date.toString(), as Kinesis prints it: "Mon Jan 01 00:00:00 UTC 2024"
  const [day, dd, month, yyyy] = date.toUTCString().replace(',', '').split(' ') as [string, string, string, string];
  return `${day} ${month} ${dd} ${date.toISOString().slice(11, 19)} UTC ${yyyy}`;
}

/** The error an error fault answers with, worded as AWS words it. Undefined for non-error faults. */
export function errorAnswer(rule: FaultRule, facts: RequestFacts, now = new Date()): ErrorAnswer | undefined {
  const stream = streamNameOf(facts.streamArn);
  // Throttling messages name the stream's owner; AccessDenied names the caller.
  const owner = arnAccount(facts.streamArn) ?? (facts.account || 'unknown');
  const account = facts.account ?? 'unknown';
  const answer = (status: number, type: string, message: string): ErrorAnswer => ({
    status,
    type,
    message: rule.message ?? message,
  });
  switch (rule.fault) {
    case 'throttle':
      return answer(
        400,
        'ProvisionedThroughputExceededException',
        facts.shardId
          ? `Rate exceeded for shard ${facts.shardId} in stream ${stream} under account ${owner}.`
          : `Rate exceeded for stream ${stream} under account ${owner}.`,
      );
    case 'limit-exceeded':
      return answer(400, 'LimitExceededException', `Rate exceeded for stream ${stream} under account ${owner}.`);
    case 'expired-iterator': {
      const created = new Date(now.getTime() - 301_000);
      return answer(
        400,
        'ExpiredIteratorException',
        `Iterator expired. The iterator was created at time ${awsDate(created)} while right now it is ${awsDate(now)} ` +
          'which is further in the future than the tolerated delay of 300000 milliseconds.',
      );
    }
    case 'access-denied': {
      const iamAction = `${iamPrefix(facts.service)}:${facts.action}`;
      const principal = rule.principalArn ?? `arn:aws:sts::${account}:assumed-role/streamshare-consumer/streamshare`;
      const policy = rule.reason === 'identity-based' ? 'identity-based' : 'resource-based';
      return answer(
        400,
        'AccessDeniedException',
        `User: ${principal} is not authorized to perform: ${iamAction} on resource: ${facts.streamArn ?? '*'} ` +
          `because no ${policy} policy allows the ${iamAction} action`,
      );
    }
    case 'internal-failure':
      return answer(500, 'InternalFailure', 'Internal service error (injected by the streamshare fault proxy).');
    case 'service-unavailable':
      return answer(503, 'ServiceUnavailable', 'Service unavailable (injected by the streamshare fault proxy).');
    default:
      return undefined;
  }
}

/** Whether `rule` applies to `action` (operation name) of `target` (full X-Amz-Target). */
export function ruleMatches(rule: FaultRule, action: string, target: string): boolean {
  if (rule.actions === undefined) return true;
  const list = typeof rule.actions === 'string' ? [rule.actions] : rule.actions;
  return list.some((a) => a === action || a === target);
}

/** A small seeded PRNG (mulberry32), so that probabilistic faults are reproducible. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
