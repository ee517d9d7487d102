import type { PolicySide } from '../policy/explain-access-denied.js';

/** The outcome of one doctor check. */
export interface DoctorCheck {
  /** What was checked: an API action such as `kinesis:DescribeStream`, or a rule such as `region`. */
  readonly name: string;
  readonly status: 'ok' | 'fail' | 'skip' | 'warn';
  /** What was seen (the identity, the shard count, the error). */
  readonly detail: string;
  /** What to change, and on which side, when the check failed. */
  readonly fix?: string;
  /**
   * For a denied call: which policy must change, the `side` an `AccessDeniedError` of the poller
   * would carry (`consumer-resource-policy` for the consumer ARN's policy, `stream-resource-policy`...).
   */
  readonly side?: PolicySide;
}

/**
 * Renders a check as one line, `OK   kinesis:DescribeStream  1 shard`, followed by `     fix: ...`
 * and `     side: <PolicySide>` lines when it failed.
 */
export function formatCheck(check: DoctorCheck): string {
  const label = { ok: 'OK  ', fail: 'FAIL', skip: 'SKIP', warn: 'WARN' }[check.status];
  const head = `${label} ${check.name.padEnd(30)} ${check.detail}`;
  const fix = check.fix === undefined ? head : `${head}\n     fix: ${check.fix}`;
  return check.side === undefined ? fix : `${fix}\n     side: ${check.side}`;
}
