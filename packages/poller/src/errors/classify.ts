import { StreamshareError } from '@streamshare/core';
import { describeThrown, isRetryable, readThrownProperty } from '@streamshare/core/internal';
import { isInstance } from './instance.js';
import { AccessDeniedError, KinesisCallError, KmsError, StreamNotFoundError } from './poller-error.js';

/**
 * What the poller does about a failed Kinesis call.
 * @internal
 */
export type ErrorKind =
  /** Back off with jitter and call again (ProvisionedThroughputExceededException, LimitExceededException). */
  | 'throttled'
  /** Get a fresh iterator from the checkpoint (ExpiredIteratorException). */
  | 'expired-iterator'
  /** Network errors, 5xx, InternalFailure: retry with backoff. */
  | 'transient'
  /** Stop the poller with `error` (AccessDenied, not found, KMS, invalid arguments). */
  | 'fatal';

/**
 * A Kinesis call's error as the poller sees it: what to do, and the typed error.
 * @internal
 */
export interface ClassifiedError {
  readonly kind: ErrorKind;
  /** A StreamshareError with `code` and `retryable`, naming the action and the stream. */
  readonly error: StreamshareError;
}

/**
 * What the classifier knows about the call.
 * @internal
 */
export interface CallContext {
  /** The API action without prefix, e.g. `GetRecords`. */
  readonly action: string;
  readonly streamArn: string;
  readonly region: string;
  /** The principal the poller signs as, when known (the assumed role ARN). */
  readonly principal?: string | undefined;
}

const THROTTLING = new Set([
  'ProvisionedThroughputExceededException',
  'LimitExceededException',
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
]);
const SERVER = new Set([
  'InternalFailure',
  'InternalFailureException',
  'InternalServerError',
  'InternalServerErrorException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'ExpiredNextTokenException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
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

/**
 * Extracts the principal ARN from an AccessDenied message ("User: arn:aws:sts::1:assumed-role/R/s is
 * not authorized ..."); an assumed-role session becomes its role ARN (without path).
 * @internal
 */
export function principalFromMessage(message: string): string | undefined {
  const match = /User: (arn:[^\s]+)/.exec(message);
  if (!match?.[1]) return undefined;
  const arn = match[1];
  const assumed = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\//.exec(arn);
  if (assumed) return `arn:${assumed[1]}:iam::${assumed[2]}:role/${assumed[3]}`;
  return arn;
}

/**
 * Maps an error thrown by a Kinesis call of the AWS SDK v3 to what the poller does about it and a
 * typed error with `code` and `retryable`. Pure: no I/O.
 * @internal
 */
export function classifyKinesisError(error: unknown, context: CallContext): ClassifiedError {
  if (isInstance(error, StreamshareError)) {
    return { kind: isRetryable(error) ? 'transient' : 'fatal', error };
  }
  // Read safely: whatever was thrown (a Proxy, throwing getters) never makes the classifier throw.
  const rawName = readThrownProperty(error, 'name');
  const rawMessage = readThrownProperty(error, 'message');
  const rawCode = readThrownProperty(error, 'code');
  const rawStatus = readThrownProperty(readThrownProperty(error, '$metadata'), 'httpStatusCode');
  const fault = readThrownProperty(error, '$fault');
  const name = typeof rawName === 'string' ? rawName : 'Error';
  const message = typeof rawMessage === 'string' ? rawMessage : describeThrown(error);
  const code = typeof rawCode === 'string' ? rawCode : undefined;
  const status = typeof rawStatus === 'number' ? rawStatus : undefined;
  const { action, streamArn } = context;
  const qualified = `kinesis:${action}`;
  const awsMessage = message || undefined;

  if (name === 'AccessDeniedException' || name === 'AccessDenied' || name === 'UnauthorizedOperation') {
    return {
      kind: 'fatal',
      error: new AccessDeniedError({
        action: qualified,
        streamArn,
        principal: principalFromMessage(message) ?? context.principal,
        awsMessage,
        cause: error,
      }),
    };
  }
  if (name === 'ResourceNotFoundException') {
    return {
      kind: 'fatal',
      error: new StreamNotFoundError({
        action: qualified,
        streamArn,
        region: context.region,
        awsMessage,
        cause: error,
      }),
    };
  }
  if (name.startsWith('KMS')) {
    const kms = new KmsError({ awsError: name, action: qualified, streamArn, awsMessage, cause: error });
    return { kind: kms.retryable ? 'throttled' : 'fatal', error: kms };
  }
  if (THROTTLING.has(name)) {
    return {
      kind: 'throttled',
      error: new KinesisCallError('THROTTLED', `${qualified} on ${streamArn} was throttled (${name}): ${message}`, {
        action: qualified,
        awsError: name,
        retryable: true,
        cause: error,
      }),
    };
  }
  if (name === 'ExpiredIteratorException') {
    return {
      kind: 'expired-iterator',
      error: new KinesisCallError('ITERATOR_EXPIRED', `${qualified} on ${streamArn}: the shard iterator expired`, {
        action: qualified,
        awsError: name,
        retryable: true,
        cause: error,
      }),
    };
  }
  const network = (code !== undefined && NETWORK_CODES.has(code)) || /socket hang up|ECONNRESET|EPIPE/i.test(message);
  const server = SERVER.has(name) || fault === 'server' || (status !== undefined && status >= 500);
  // No HTTP status at all: the request never got a parsable answer (connection dropped, garbled body).
  // Programming errors (TypeError, ReferenceError) are not retried.
  const noResponse = status === undefined && fault === undefined && name !== 'TypeError' && name !== 'ReferenceError';
  if (network || server || noResponse || isRetryable(error)) {
    const what = network ? 'network error' : server ? 'server error' : 'no valid response';
    return {
      kind: 'transient',
      error: new KinesisCallError(
        'KINESIS_TRANSIENT',
        `${qualified} on ${streamArn} failed (${what}: ${name}${code ? ` ${code}` : ''}${status ? ` HTTP ${status}` : ''}): ${message}`,
        { action: qualified, awsError: name, retryable: true, cause: error },
      ),
    };
  }
  return {
    kind: 'fatal',
    error: new KinesisCallError(
      'KINESIS_CALL_FAILED',
      `${qualified} on ${streamArn} failed with ${name}${status ? ` (HTTP ${status})` : ''}: ${message}`,
      { action: qualified, awsError: name, retryable: false, cause: error },
    ),
  };
}
