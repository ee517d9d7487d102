/**
 * Failure injection of the loopback EventBridge server: per-entry ErrorCodes (what PutEvents
 * reports in `Entries[i]` with `FailedEntryCount`) and whole-call errors (an HTTP error response).
 */

/**
 * Per-entry ErrorCodes PutEvents documents. `ThrottlingException` and `InternalFailure` are
 * retryable; the others are not.
 */
export type PutEventsEntryErrorCode =
  | 'ThrottlingException'
  | 'InternalFailure'
  | 'AccessDeniedException'
  | 'InvalidAccountIdException'
  | 'InvalidArgument'
  | 'MalformedDetail'
  | 'RedactionFailure'
  | 'NotAuthorizedForSourceException'
  | 'NotAuthorizedForDetailTypeException';

/** What the server read of one request entry, as a failure rule sees it. */
export interface RequestEntryView {
  readonly source: string;
  readonly detailType: string;
  readonly detail: string;
  readonly resources: readonly string[];
  readonly eventBusName: string | undefined;
  /** Size of the entry by EventBridge's formula. */
  readonly size: number;
}

/** Where an entry stands when a failure rule is asked about it. */
export interface EntryFailureInfo {
  /** 1-based number of the PutEvents call (counting every call the server answered). */
  readonly call: number;
  /** 0-based position of the entry in its call. */
  readonly index: number;
  /** How many times an entry with this exact Detail has arrived, this one included (1 = first time). */
  readonly seen: number;
}

/** A per-entry failure: the ErrorCode and, optionally, the ErrorMessage. */
export interface EntryFailure {
  readonly errorCode: PutEventsEntryErrorCode | (string & {});
  readonly errorMessage?: string;
}

/** A rule of a {@link FailurePlan}: entries it matches fail with `errorCode`, `times` times at most. */
export interface FailureRule extends EntryFailure {
  /** Which entries fail (default: every entry). */
  readonly match?: (entry: RequestEntryView, info: EntryFailureInfo) => boolean;
  /** How many entries this rule fails before it stops matching (default: no limit). */
  readonly times?: number;
}

/** Rules tried in order; the first that matches (and has times left) fails the entry. */
export type FailurePlan = readonly FailureRule[];

/** A function deciding per entry: a failure, an ErrorCode, or `undefined` to accept the entry. */
export type FailureDecider = (
  entry: RequestEntryView,
  info: EntryFailureInfo,
) => EntryFailure | PutEventsEntryErrorCode | (string & {}) | undefined;

/** A whole-call error: the HTTP status and the `__type` of the AWS JSON error body. */
export interface CallFailure {
  /** HTTP status, e.g. 400 for `ThrottlingException`, 500 for `InternalException`. */
  readonly status: number;
  /** The error's `__type`, e.g. `ThrottlingException`, `InternalException`, `AccessDeniedException`. */
  readonly type: string;
  readonly message?: string;
  /** How many calls fail this way before calls go through again (default 1). */
  readonly times?: number;
}

const DEFAULT_MESSAGES: Readonly<Record<string, string>> = {
  ThrottlingException: 'Rate exceeded.',
  InternalFailure: 'Internal service error.',
  AccessDeniedException: 'Access denied to the event bus.',
  InvalidAccountIdException: 'The account ID provided is not valid.',
  InvalidArgument: 'A specified parameter is not valid.',
  MalformedDetail: 'Detail is malformed.',
  RedactionFailure: 'Redacting the CloudTrail event failed.',
  NotAuthorizedForSourceException: 'Not authorized for the source.',
  NotAuthorizedForDetailTypeException: 'Not authorized for the detail type.',
};

/** The default ErrorMessage of an ErrorCode. */
export function defaultErrorMessage(errorCode: string): string {
  return DEFAULT_MESSAGES[errorCode] ?? `${errorCode}.`;
}

/** Turns a plan into a decider; each rule keeps its own count of `times` used. */
export function planToDecider(plan: FailurePlan): FailureDecider {
  const used = plan.map(() => 0);
  return (entry, info) => {
    for (const [i, rule] of plan.entries()) {
      if (rule.times !== undefined && used[i]! >= rule.times) continue;
      if (rule.match && !rule.match(entry, info)) continue;
      used[i]!++;
      return rule.errorMessage === undefined
        ? { errorCode: rule.errorCode }
        : { errorCode: rule.errorCode, errorMessage: rule.errorMessage };
    }
    return undefined;
  };
}

/** Normalizes what a decider returned. */
export function toEntryFailure(decided: ReturnType<FailureDecider>): EntryFailure | undefined {
  if (decided === undefined) return undefined;
  return typeof decided === 'string' ? { errorCode: decided } : decided;
}
