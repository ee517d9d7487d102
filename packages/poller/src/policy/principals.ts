/**
 * Who a principal string names, and whether a statement's principal entry applies to a consumer:
 * an account entry covers every principal of that account, a role entry covers the role's
 * sessions, `"*"` covers everyone. IAM takes no partial wildcard in a principal, so matching is
 * by equality (ARNs are case-sensitive).
 */
import { isAccountId, splitArn } from '@streamshare/core/internal';
import { clip } from './json-path.js';
import type { ParsedPrincipal } from './parse-policy.js';

/** A principal named in a policy (or given to the linter as the consumer). */
export type Party =
  | { readonly kind: 'any'; readonly label: string }
  | { readonly kind: 'account'; readonly label: string; readonly account: string }
  | {
      readonly kind: 'role' | 'session' | 'user' | 'other';
      readonly label: string;
      readonly arn: string;
      readonly account: string | undefined;
      /** The role's name (for a role and for a role session). */
      readonly roleName?: string;
    };

/** Reads a principal string: `"*"`, a 12-digit account id, an account root, role, user or session ARN. */
export function partyOf(value: string): Party {
  if (value === '*') return { kind: 'any', label: 'any principal ("*")' };
  if (isAccountId(value)) return { kind: 'account', label: value, account: value };
  // Split leniently: a principal in a policy may be a pattern the strict parsers refuse.
  const fields = splitArn(value);
  if (fields === undefined) return { kind: 'other', label: value, arn: value, account: undefined };
  const { service, resource } = fields;
  const account = fields.account === '' ? undefined : fields.account;
  if (service === 'iam' && resource === 'root' && account !== undefined) {
    return { kind: 'account', label: value, account };
  }
  if (service === 'iam' && resource.startsWith('role/')) {
    return { kind: 'role', label: value, arn: value, account, roleName: resource.slice(resource.lastIndexOf('/') + 1) };
  }
  if (service === 'sts' && resource.startsWith('assumed-role/')) {
    return { kind: 'session', label: value, arn: value, account, roleName: resource.split('/')[1] ?? '' };
  }
  if (service === 'iam' && resource.startsWith('user/')) return { kind: 'user', label: value, arn: value, account };
  return { kind: 'other', label: value, arn: value, account };
}

/** How much of a consumer an entry (or a statement) applies to. */
export type Coverage = 'all' | 'some' | 'none';

/** Whether `entry` (from a statement) applies to requests of `consumer`. */
export function coverage(entry: Party, consumer: Party): Coverage {
  if (entry.kind === 'any') return 'all';
  if (consumer.kind === 'any') return 'some';
  if (consumer.kind === 'account') {
    if (entry.kind === 'account') return entry.account === consumer.account ? 'all' : 'none';
    return entry.account === consumer.account ? 'some' : 'none';
  }
  if (entry.kind === 'account') return entry.account === consumer.account ? 'all' : 'none';
  if (entry.arn === consumer.arn) return 'all';
  if (entry.account === undefined || entry.account !== consumer.account) return 'none';
  // A role entry covers its sessions; a session entry covers one session of the role.
  if (entry.kind === 'role' && consumer.kind === 'session' && entry.roleName === consumer.roleName) return 'all';
  if (entry.kind === 'session' && consumer.kind === 'role' && entry.roleName === consumer.roleName) return 'some';
  return 'none';
}

const RANK: Record<Coverage, number> = { none: 0, some: 1, all: 2 };

/** The widest coverage of a list of entries. */
function widest(entries: readonly Party[], consumer: Party): Coverage {
  let best: Coverage = 'none';
  for (const entry of entries) {
    const c = coverage(entry, consumer);
    if (RANK[c] > RANK[best]) best = c;
    if (best === 'all') break;
  }
  return best;
}

/** Whether a statement's Principal or NotPrincipal applies to `consumer`, and why not exactly. */
export interface PrincipalMatch {
  readonly coverage: Coverage;
  /** Why the answer is `some`: what the verdict depends on. */
  readonly why?: string;
}

/** The entries of a parsed Principal / NotPrincipal element, read once. */
export interface PrincipalParties {
  readonly element: ParsedPrincipal;
  readonly parties: readonly Party[];
}

/** Reads the entries of a Principal / NotPrincipal element. */
export function principalParties(element: ParsedPrincipal): PrincipalParties {
  const parties = element.any ? [partyOf('*')] : [];
  for (const entry of element.aws) parties.push(partyOf(entry.value));
  return { element, parties };
}

/**
 * Whether the statement's principal element applies to `consumer`. `Principal`: exact. `NotPrincipal`
 * (with Deny): everyone except those named; when an entry relates to the consumer the answer is
 * `some`, because AWS checks the account, the role and the role session separately (each must be
 * named) and never exempts a role that has a permissions boundary.
 */
export function principalMatch({ element, parties }: PrincipalParties, consumer: Party): PrincipalMatch {
  const covered = widest(parties, consumer);
  if (!element.not) {
    if (covered !== 'some') return { coverage: covered };
    if (consumer.kind === 'any' || consumer.kind === 'account') {
      const whom =
        consumer.kind === 'any'
          ? 'only some principals, while the policy lets any principal ("*") read'
          : `only some principals of account ${consumer.account}, which the policy lets read`;
      return { coverage: 'some', why: `it names ${whom}; lint with --principal ARN to check one role` };
    }
    return {
      coverage: 'some',
      why: `it names one session of ${clip(consumer.label)}: it applies when that session is the one that reads`,
    };
  }
  if (element.any) return { coverage: 'none' };
  if (covered === 'none') return { coverage: 'all' };
  return {
    coverage: 'some',
    why: `its NotPrincipal exempts ${clip(consumer.label)} only if it lists the account, the role and the role session ARN that reads (AWS checks each), and never a role with a permissions boundary; AWS recommends "Principal": "*" with a Condition ArnNotEquals on aws:PrincipalArn instead`,
  };
}
