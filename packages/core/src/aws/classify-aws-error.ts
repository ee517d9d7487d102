/**
 * The one classifier of errors thrown by AWS SDK v3 calls (Kinesis, DynamoDB, EventBridge, STS): what
 * kind of failure it is, read from the exception name, the Node error code, the HTTP status and the
 * SDK's `$fault` / `$retryable` marks. Each caller decides what it does about a kind (the poller turns
 * them into its typed errors, the lease table into LeaseTableError, the bridge into retried entries);
 * the knowledge of AWS's names is kept here only.
 */
import { describeThrown, readThrownProperty } from '../errors/thrown.js';

/**
 * What kind of failure an error of an AWS call is, checked in this order (the first that fits):
 *
 * - `not-an-error`: the thrown value is not an object (a string, `undefined`, a symbol...).
 * - `access-denied`: AccessDeniedException, AccessDenied, UnauthorizedOperation: the identity may not.
 * - `invalid-credentials`: UnrecognizedClientException: the credentials are not known to the service.
 * - `not-found`: ResourceNotFoundException (stream, table, bus).
 * - `kms`: a KMS exception (`KMS...`) of an encrypted stream; only KMSThrottlingException may pass by itself.
 * - `throttled`: a throttling exception name (ProvisionedThroughputExceededException, ThrottlingException...).
 * - `expired-iterator`: ExpiredIteratorException: get a fresh shard iterator.
 * - `condition-failed`: ConditionalCheckFailedException: a conditional write lost to another writer.
 * - `resource-in-use`: ResourceInUseException: the resource is being created, updated or deleted.
 * - `network`: the connection failed (ECONNRESET, ETIMEDOUT, "socket hang up"...).
 * - `service`: the service failed (InternalFailure, ServiceUnavailable, timeouts, any 5xx, `$fault: "server"`).
 * - `throttled` again for HTTP 429 or an SDK error marked `$retryable: { throttling: true }`; `service` for
 *   any other error the SDK marks `$retryable`.
 * - with no HTTP status and no `$fault` (no answer was read): `programming` for a TypeError, ReferenceError
 *   or RangeError, `aborted` for an AbortError, else `no-response` (connection dropped, garbled answer,
 *   credentials not loaded...).
 * - `client`: any other answer of the service: the request itself was refused (validation, limits...).
 */
export type AwsErrorKind =
  | 'not-an-error'
  | 'access-denied'
  | 'invalid-credentials'
  | 'not-found'
  | 'kms'
  | 'throttled'
  | 'expired-iterator'
  | 'condition-failed'
  | 'resource-in-use'
  | 'network'
  | 'service'
  | 'no-response'
  | 'programming'
  | 'aborted'
  | 'client';

/** An error of an AWS call as {@link classifyAwsError} reads it. */
export interface ClassifiedAwsError {
  readonly kind: AwsErrorKind;
  /**
   * True for `throttled`, `service` and `network`: the same call may succeed after a pause, whatever the
   * service. `no-response`, `aborted` and `not-an-error` are left to the caller (a Kinesis read retries
   * them, a lease-table write does not).
   */
  readonly retryable: boolean;
  /** The exception name (`ThrottlingException`), when the error has a string `name`. */
  readonly name: string | undefined;
  /** The Node error code (`ECONNRESET`), when the error has a string `code`. */
  readonly code: string | undefined;
  /** The HTTP status of the answer, when there was one. */
  readonly status: number | undefined;
  /** The error's message, or a description of the thrown value when it has no string message. */
  readonly message: string;
}

const ACCESS_DENIED = new Set(['AccessDeniedException', 'AccessDenied', 'UnauthorizedOperation']);

const THROTTLING = new Set([
  'ProvisionedThroughputExceededException',
  'LimitExceededException',
  'ThrottlingException',
  'ThrottledException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
]);

const SERVICE = new Set([
  'InternalFailure',
  'InternalFailureException',
  'InternalException',
  'InternalServerError',
  'InternalServerErrorException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  // Kinesis ListShards: the pagination token expired; DynamoDB: a transaction holds the item.
  'ExpiredNextTokenException',
  'TransactionInProgressException',
  // STS: the identity provider of a web identity could not be reached.
  'IDPCommunicationError',
]);

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
  'ERR_STREAM_PREMATURE_CLOSE',
]);
const NETWORK_MESSAGE = /socket hang up|ECONNRESET|EPIPE/i;

const PROGRAMMING = new Set(['TypeError', 'ReferenceError', 'RangeError']);

/** The kind of a named AWS exception, when the name alone tells it. */
function kindOfName(name: string): AwsErrorKind | undefined {
  if (ACCESS_DENIED.has(name)) return 'access-denied';
  if (name === 'UnrecognizedClientException') return 'invalid-credentials';
  if (name === 'ResourceNotFoundException') return 'not-found';
  if (name.startsWith('KMS')) return 'kms';
  if (THROTTLING.has(name)) return 'throttled';
  if (name === 'ExpiredIteratorException') return 'expired-iterator';
  if (name === 'ConditionalCheckFailedException') return 'condition-failed';
  if (name === 'ResourceInUseException') return 'resource-in-use';
  return undefined;
}

function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * Reads an error thrown by an AWS SDK v3 call (or by the network under it). Pure; reads the thrown value
 * safely (a Proxy, throwing getters): never throws, whatever was thrown.
 */
export function classifyAwsError(error: unknown): ClassifiedAwsError {
  if (typeof error !== 'object' || error === null) {
    return {
      kind: 'not-an-error',
      retryable: false,
      name: undefined,
      code: undefined,
      status: undefined,
      message: describeThrown(error),
    };
  }
  const name = asString(readThrownProperty(error, 'name'));
  const code = asString(readThrownProperty(error, 'code'));
  const message = asString(readThrownProperty(error, 'message')) ?? describeThrown(error);
  const rawStatus = readThrownProperty(readThrownProperty(error, '$metadata'), 'httpStatusCode');
  const status = typeof rawStatus === 'number' ? rawStatus : undefined;
  const kind = kindOf(error, name, code, message, status);
  const retryable = kind === 'throttled' || kind === 'service' || kind === 'network';
  return { kind, retryable, name, code, status, message };
}

function kindOf(
  error: object,
  name: string | undefined,
  code: string | undefined,
  message: string,
  status: number | undefined,
): AwsErrorKind {
  const named = name === undefined ? undefined : kindOfName(name);
  if (named !== undefined) return named;
  if ((code !== undefined && NETWORK_CODES.has(code)) || NETWORK_MESSAGE.test(message)) return 'network';
  const fault = readThrownProperty(error, '$fault');
  if ((name !== undefined && SERVICE.has(name)) || fault === 'server' || (status !== undefined && status >= 500)) {
    return 'service';
  }
  if (status === 429) return 'throttled';
  const marked = readThrownProperty(error, '$retryable');
  if (marked) return readThrownProperty(marked, 'throttling') === true ? 'throttled' : 'service';
  if (status === undefined && fault === undefined) {
    if (name !== undefined && PROGRAMMING.has(name)) return 'programming';
    return name === 'AbortError' ? 'aborted' : 'no-response';
  }
  return 'client';
}

/** A short description of an AWS error for messages: `name: message` (never request details), else what `describeThrown` makes of it. */
export function describeAwsError(error: unknown): string {
  const name = readThrownProperty(error, 'name');
  const message = readThrownProperty(error, 'message');
  if (typeof name === 'string' && typeof message === 'string') return `${name}: ${message}`;
  return describeThrown(error);
}
