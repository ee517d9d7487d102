import { StreamshareError } from '@streamshare/core';
import { refusal } from './errors.js';

/** Codes of {@link ConsumerAdminError}. */
export type ConsumerAdminErrorCode =
  /** The consumer name breaks AWS's rule (1-128 characters of A-Z a-z 0-9 _ . -): refused before any call. */
  | 'INVALID_CONSUMER_NAME'
  /** The stream has its 20 consumers (LimitExceededException with 20 registered): deregister one first. */
  | 'CONSUMER_LIMIT'
  /** A consumer of that name is being deleted and was still DELETING when the wait ended. */
  | 'CONSUMER_DELETING'
  /** The consumer did not become ACTIVE within the wait (`--wait-seconds`). */
  | 'CONSUMER_WAIT_TIMEOUT'
  /** The caller may not register the consumer or attach its policy: the message says which account grants what. */
  | 'CONSUMER_ACCESS_DENIED'
  /** The stream (or the consumer) does not exist where the client called. */
  | 'CONSUMER_NOT_FOUND'
  /** The consumer already has a resource policy that does not grant the principals: refused without --replace-policy. */
  | 'CONSUMER_POLICY_EXISTS'
  /** Any other failure of a Kinesis call (the AWS error is the cause). */
  | 'CONSUMER_CALL_FAILED';

/**
 * What `streamshare consumer` (and {@link registerConsumer}) refuses or cannot do. Not retryable as
 * such: the message names the consumer, the stream and what to do; the CLI prints it and exits with
 * code 1.
 */
export class ConsumerAdminError extends StreamshareError {
  constructor(code: ConsumerAdminErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(code, message, refusal(options.cause));
  }
}
