import { StreamshareError } from '@streamshare/core';
import { arnAccount, describeThrown } from '@streamshare/core/internal';
import { explainAccessDenied, type PolicySide } from '../policy/explain-access-denied.js';
import { FAN_OUT_CONSUMER_ACTIONS, STREAM_CONSUMER_ACTIONS } from '../policy/policy-document.js';

/** Base class of the errors the poller raises about the stream, its shards and the AWS calls. */
export class PollerError extends StreamshareError {}

/**
 * A statement granting a consumer role read access: of a stream's resource-based policy (the five
 * read actions on the stream ARN), or of an enhanced fan-out consumer's (the two fan-out actions on
 * the consumer ARN).
 */
export interface ConsumerStatement {
  readonly Sid: string;
  readonly Effect: 'Allow';
  readonly Principal: { readonly AWS: string };
  readonly Action: readonly string[];
  readonly Resource: string;
}

function allowStatement(
  sid: string,
  actions: readonly string[],
  resource: string,
  principal: string,
): ConsumerStatement {
  return { Sid: sid, Effect: 'Allow', Principal: { AWS: principal }, Action: [...actions], Resource: resource };
}

/** Builds the statement of the stream's resource-based policy that grants `principal` the five consumer actions. */
export function consumerPolicyStatement(streamArn: string, principal: string): ConsumerStatement {
  return allowStatement('StreamshareCrossAccountRead', STREAM_CONSUMER_ACTIONS, streamArn, principal);
}

/**
 * Builds the statement of an enhanced fan-out consumer's resource-based policy that grants
 * `principal` kinesis:DescribeStreamConsumer and kinesis:SubscribeToShard on `consumerArn`.
 */
export function fanOutPolicyStatement(consumerArn: string, principal: string): ConsumerStatement {
  return allowStatement('StreamshareCrossAccountFanOut', FAN_OUT_CONSUMER_ACTIONS, consumerArn, principal);
}

/**
 * A Kinesis call was refused with AccessDeniedException. Fatal. The message names the action, the
 * stream (and the enhanced fan-out consumer, for kinesis:SubscribeToShard and
 * kinesis:DescribeStreamConsumer), the principal (when known), which side must grant it and the
 * statement the producer account adds to the stream's or the consumer's resource-based policy.
 */
export class AccessDeniedError extends PollerError {
  /** The refused action, e.g. `kinesis:DescribeStream`. */
  readonly action: string;
  readonly streamArn: string;
  /**
   * The enhanced fan-out consumer whose resource-based policy must grant the action (a denied
   * kinesis:SubscribeToShard or kinesis:DescribeStreamConsumer); undefined when it is the stream's policy.
   */
  readonly consumerArn: string | undefined;
  /** The IAM role (or other principal) ARN that was refused, when the message or the options tell. */
  readonly principal: string | undefined;
  /** Which policy must change, as far as the AWS message tells (a `consumer-*resource*` side: the consumer's policy). */
  readonly side: PolicySide;
  /** The statement to add to the stream's resource-based policy, or to the consumer's when `consumerArn` is set. */
  readonly statement: ConsumerStatement;

  constructor(options: {
    action: string;
    streamArn: string;
    principal?: string | undefined;
    awsMessage?: string | undefined;
    /** The consumer ARN the call was about (SubscribeToShard, DescribeStreamConsumer). */
    consumerArn?: string | undefined;
    cause?: unknown;
  }) {
    const { action, streamArn, principal } = options;
    const principalAccount = arnAccount(principal);
    const crossAccount = principalAccount === undefined || principalAccount !== accountOf(streamArn);
    const explained = explainAccessDenied(options.awsMessage ?? '', {
      action,
      streamArn,
      crossAccount,
      consumerArn: options.consumerArn,
    });
    const { consumerArn } = explained;
    const role = principal ?? '<the consumer role ARN>';
    const statement =
      consumerArn === undefined ? consumerPolicyStatement(streamArn, role) : fanOutPolicyStatement(consumerArn, role);
    const resource = consumerArn === undefined ? streamArn : `${consumerArn} (a consumer of ${streamArn})`;
    const policy =
      consumerArn === undefined
        ? "the stream's resource-based policy"
        : `the resource-based policy of consumer ${consumerArn} (PutResourcePolicy on the consumer ARN, as \`streamshare consumer register\` does)`;
    super(
      'ACCESS_DENIED',
      `${action} was denied on ${resource}${principal ? ` for ${principal}` : ''}` +
        `${options.awsMessage ? ` (AWS said: ${options.awsMessage})` : ''}. To fix it: ${explained.advice}. ` +
        `The stream owner (account ${accountOf(streamArn)}) adds this statement to ${policy}:\n` +
        JSON.stringify(statement, null, 2),
      { cause: options.cause, retryable: false },
    );
    this.action = action;
    this.streamArn = streamArn;
    this.consumerArn = consumerArn;
    this.principal = principal;
    this.side = explained.side;
    this.statement = statement;
  }
}

function accountOf(streamArn: string): string {
  return arnAccount(streamArn) ?? '?';
}

/** The stream does not exist (ResourceNotFoundException). Fatal. */
export class StreamNotFoundError extends PollerError {
  readonly streamArn: string;
  readonly action: string;

  constructor(options: { action: string; streamArn: string; region: string; awsMessage?: string; cause?: unknown }) {
    super(
      'STREAM_NOT_FOUND',
      `${options.action} says stream ${options.streamArn} was not found in region ${options.region}` +
        `${options.awsMessage ? ` (AWS said: ${options.awsMessage})` : ''}. Is the ARN right, and does the stream exist ` +
        `in account ${accountOf(options.streamArn)} and region ${options.region}? (the client must call that region)`,
      { cause: options.cause, retryable: false },
    );
    this.streamArn = options.streamArn;
    this.action = options.action;
  }
}

/** The stream's KMS key refused decryption (KMSAccessDeniedException, KMSDisabledException, ...). Fatal. */
export class KmsError extends PollerError {
  readonly streamArn: string;
  /** The AWS exception name, e.g. `KMSAccessDeniedException`. */
  readonly awsError: string;

  constructor(options: { awsError: string; action: string; streamArn: string; awsMessage?: string; cause?: unknown }) {
    const { awsError, action, streamArn } = options;
    const why: Record<string, string> = {
      KMSAccessDeniedException:
        "the consumer role needs kms:Decrypt on the producer's KMS key (in its own policy), and the key policy in " +
        `account ${accountOf(streamArn)} must allow that role to use the key`,
      KMSDisabledException: `the stream's KMS key is disabled: the owner of account ${accountOf(streamArn)} must enable it`,
      KMSNotFoundException: `the stream's KMS key was not found: it may have been deleted, or the stream owner must fix the stream's encryption`,
      KMSInvalidStateException: `the stream's KMS key is in a state that does not allow decryption (pending deletion or import)`,
      KMSOptInRequired: 'the account is not subscribed to AWS KMS',
      KMSThrottlingException: 'KMS throttled the request',
    };
    super(
      awsError === 'KMSThrottlingException' ? 'KMS_THROTTLED' : 'KMS_ERROR',
      `${action} on ${streamArn} failed with ${awsError}: ${why[awsError] ?? 'the stream is encrypted with a KMS key the consumer cannot use'}` +
        `${options.awsMessage ? ` (AWS said: ${options.awsMessage})` : ''}`,
      { cause: options.cause, retryable: awsError === 'KMSThrottlingException' },
    );
    this.streamArn = streamArn;
    this.awsError = awsError;
  }
}

/** Any other failure of a Kinesis call; `retryable` tells transient (network, 5xx, throttling) from fatal. */
export class KinesisCallError extends PollerError {
  readonly action: string;
  /** The AWS exception name or network error code, when known. */
  readonly awsError: string | undefined;

  constructor(
    code: string,
    message: string,
    options: { action: string; awsError?: string; retryable: boolean; cause?: unknown },
  ) {
    super(code, message, { cause: options.cause, retryable: options.retryable });
    this.action = options.action;
    this.awsError = options.awsError;
  }
}

/**
 * `start()` could not list the stream's shards (or prepare the lease table) within `startTimeoutMs`:
 * the endpoint was unreachable, or kept throttling or failing. Not retryable by the poller; the
 * message names the endpoint, the region and the last cause (also in `cause`).
 */
export class StartTimeoutError extends PollerError {
  /** The Kinesis endpoint the poller called (the regional AWS endpoint unless one was configured). */
  readonly endpoint: string;
  readonly region: string;
  readonly streamArn: string;
  /** The bound that was reached, in ms. */
  readonly timeoutMs: number;

  constructor(options: {
    streamArn: string;
    region: string;
    endpoint: string;
    timeoutMs: number;
    cause: unknown;
    /** What was being done: e.g. `listing the shards of ...` or `preparing lease table T`. */
    doing: string;
  }) {
    const { streamArn, region, endpoint, timeoutMs, cause, doing } = options;
    const last = describeThrown(cause);
    super(
      'START_TIMEOUT',
      `poller.start() gave up after ${timeoutMs} ms (startTimeoutMs) ${doing} for stream ${streamArn}: ` +
        `Kinesis endpoint ${endpoint}, region ${region}. Last error: ${last}. Is the endpoint reachable from here ` +
        `(network, proxy, VPC endpoint, AWS_ENDPOINT_URL_KINESIS), and the region right?`,
      { cause, retryable: false },
    );
    this.endpoint = endpoint;
    this.region = region;
    this.streamArn = streamArn;
    this.timeoutMs = timeoutMs;
  }
}
