import { StreamshareError } from '@streamshare/core';
import { classifyAwsError, isRetryable, roleArnOfSession } from '@streamshare/core/internal';
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
  /**
   * The enhanced fan-out consumer the call is about (SubscribeToShard, DescribeStreamConsumer): a
   * denial then names the consumer's resource-based policy, not the stream's.
   */
  readonly consumerArn?: string | undefined;
}

/**
 * Extracts the principal ARN from an AccessDenied message ("User: arn:aws:sts::1:assumed-role/R/s is
 * not authorized ..."); an assumed-role session becomes its role ARN (without path).
 * @internal
 */
export function principalFromMessage(message: string): string | undefined {
  const match = /User: (arn:[^\s]+)/.exec(message);
  if (!match?.[1]) return undefined;
  return roleArnOfSession(match[1]) ?? match[1];
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
  // Read by core's classifier, safely: whatever was thrown (a Proxy, throwing getters) never makes it throw.
  const aws = classifyAwsError(error);
  const name = aws.name ?? 'Error';
  const { code, status, message } = aws;
  const { action, streamArn } = context;
  const qualified = `kinesis:${action}`;
  const awsMessage = message || undefined;

  switch (aws.kind) {
    case 'access-denied':
      return {
        kind: 'fatal',
        error: new AccessDeniedError({
          action: qualified,
          streamArn,
          principal: principalFromMessage(message) ?? context.principal,
          awsMessage,
          consumerArn: context.consumerArn,
          cause: error,
        }),
      };
    case 'not-found':
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
    case 'kms': {
      const kms = new KmsError({ awsError: name, action: qualified, streamArn, awsMessage, cause: error });
      return { kind: kms.retryable ? 'throttled' : 'fatal', error: kms };
    }
    case 'throttled':
      return {
        kind: 'throttled',
        error: new KinesisCallError('THROTTLED', `${qualified} on ${streamArn} was throttled (${name}): ${message}`, {
          action: qualified,
          awsError: name,
          retryable: true,
          cause: error,
        }),
      };
    case 'expired-iterator':
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
  // No valid answer at all (connection dropped, garbled body, not even an error object) is retried like
  // a network error or a 5xx; programming errors (TypeError, ReferenceError, RangeError) are not.
  const noAnswer = aws.kind === 'no-response' || aws.kind === 'aborted' || aws.kind === 'not-an-error';
  if (aws.retryable || noAnswer || isRetryable(error)) {
    const what =
      aws.kind === 'network' ? 'network error' : aws.kind === 'service' ? 'server error' : 'no valid response';
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
