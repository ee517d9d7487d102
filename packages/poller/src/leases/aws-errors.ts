/** Pure classification of errors thrown by the DynamoDB client; none of these functions throws, whatever was thrown. */

import { describeThrown, readThrownProperty } from '@streamshare/core/internal';

function nameOf(error: unknown): string {
  const name = readThrownProperty(error, 'name');
  return typeof name === 'string' ? name : '';
}

const THROTTLES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'LimitExceededException',
  'TooManyRequestsException',
]);

const TRANSIENT_NAMES = new Set([
  'InternalServerError',
  'InternalFailure',
  'ServiceUnavailable',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'TransactionInProgressException',
]);

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND']);

/** True for the condition of a conditional write failing (someone else changed the item). */
export function isConditionFailed(error: unknown): boolean {
  return nameOf(error) === 'ConditionalCheckFailedException';
}

/** True when the identity may not perform the action. */
export function isAccessDenied(error: unknown): boolean {
  const name = nameOf(error);
  return name === 'AccessDeniedException' || name === 'UnrecognizedClientException' || name === 'AccessDenied';
}

/** True when the table does not exist. */
export function isNotFound(error: unknown): boolean {
  return nameOf(error) === 'ResourceNotFoundException';
}

/** True when the table already exists or is being created/updated. */
export function isResourceInUse(error: unknown): boolean {
  return nameOf(error) === 'ResourceInUseException';
}

/** True for throttling, 5xx and network errors: worth trying again after a pause. */
export function isTransient(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const name = nameOf(error);
  if (THROTTLES.has(name) || TRANSIENT_NAMES.has(name)) return true;
  const status = readThrownProperty(readThrownProperty(error, '$metadata'), 'httpStatusCode');
  if (typeof status === 'number' && status >= 500) return true;
  const code = readThrownProperty(error, 'code');
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  return false;
}

/** Short description of an AWS error for messages (name and message, never request details). */
export function describeAwsError(error: unknown): string {
  const name = readThrownProperty(error, 'name');
  const message = readThrownProperty(error, 'message');
  if (typeof name === 'string' && typeof message === 'string') return `${name}: ${message}`;
  return describeThrown(error);
}
