/**
 * The lease table's reading of core's AWS error classifier (`classifyAwsError`), for DynamoDB calls.
 * None of these functions throws, whatever was thrown.
 */
import { type AwsErrorKind, classifyAwsError } from '@streamshare/core/internal';

export { describeAwsError } from '@streamshare/core/internal';

function kindOf(error: unknown): AwsErrorKind {
  return classifyAwsError(error).kind;
}

/** True for the condition of a conditional write failing (someone else changed the item). */
export function isConditionFailed(error: unknown): boolean {
  return kindOf(error) === 'condition-failed';
}

/** True when the identity may not perform the action, or its credentials are not known to DynamoDB. */
export function isAccessDenied(error: unknown): boolean {
  const kind = kindOf(error);
  return kind === 'access-denied' || kind === 'invalid-credentials';
}

/** True when the table does not exist. */
export function isNotFound(error: unknown): boolean {
  return kindOf(error) === 'not-found';
}

/** True when the table already exists or is being created/updated. */
export function isResourceInUse(error: unknown): boolean {
  return kindOf(error) === 'resource-in-use';
}

/**
 * True for throttling, 5xx and network errors: worth trying again after a pause. An error without any
 * answer of DynamoDB that is not a network error is not (it would fail the same way again).
 */
export function isTransient(error: unknown): boolean {
  return classifyAwsError(error).retryable;
}
