/** Pure classification of errors thrown by the DynamoDB client. */

interface AwsLikeError {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number };
  readonly $retryable?: unknown;
}

function nameOf(error: unknown): string {
  if (typeof error !== 'object' || error === null) return '';
  const e = error as AwsLikeError;
  return typeof e.name === 'string' ? e.name : '';
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
  const e = error as AwsLikeError;
  const status = e.$metadata?.httpStatusCode;
  if (typeof status === 'number' && status >= 500) return true;
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return true;
  return false;
}

/** Short description of an AWS error for messages (name and message, never request details). */
export function describeAwsError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
