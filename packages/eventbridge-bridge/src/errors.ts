import { type RecordIdentity, StreamshareError } from '@streamshare/core';
import { classifyAwsError, describeRecord, identityOf } from '@streamshare/core/internal';

/**
 * An option of `eventBridgeForwarder` is wrong (thrown when the forwarder is made). `code` is
 * `INVALID_EVENT_BUS_ARN` for a malformed `eventBusArn`, `INVALID_FORWARDER_OPTION` otherwise.
 */
export class ForwarderOptionError extends StreamshareError {
  /** The option at fault, e.g. `eventBusArn` or `maxRequestBytes`. */
  readonly option: string;

  constructor(code: 'INVALID_EVENT_BUS_ARN' | 'INVALID_FORWARDER_OPTION', option: string, message: string) {
    super(code, `eventBridgeForwarder: option ${option}: ${message}`);
    this.option = option;
  }
}

/**
 * A record's PutEvents entry is larger than `maxRequestBytes` by EventBridge's size formula, so no
 * call can carry it. Never retryable: it goes to the poison policy.
 */
export class EntryTooLargeError extends StreamshareError {
  readonly record: RecordIdentity;
  /** The entry's size in bytes (EventBridge's PutEvents entry size formula). */
  readonly size: number;
  /** The limit it exceeds (`maxRequestBytes`). */
  readonly limit: number;

  constructor(record: RecordIdentity, size: number, limit: number) {
    super(
      'ENTRY_TOO_LARGE',
      `the PutEvents entry of ${describeRecord(record)} is ${size} bytes, over the ${limit}-byte request limit ` +
        '(maxRequestBytes); a bus that accepts larger events can raise maxRequestBytes, otherwise put the payload in S3 and forward a reference',
    );
    this.record = identityOf(record);
    this.size = size;
    this.limit = limit;
  }
}

/**
 * A record could not be turned into a PutEvents entry: its data does not serialize to JSON, or a
 * `source` / `detailType` / `transform` / `filter` function threw or returned an invalid value.
 * Never retryable: it goes to the poison policy.
 */
export class RecordNotForwardableError extends StreamshareError {
  readonly record: RecordIdentity;

  constructor(record: RecordIdentity, reason: string, options: { cause?: unknown } = {}) {
    super('RECORD_NOT_FORWARDABLE', `cannot forward ${describeRecord(record)}: ${reason}`, options);
    this.record = identityOf(record);
  }
}

/** PutEvents ErrorCodes that EventBridge documents as retryable. */
export const RETRYABLE_ENTRY_ERROR_CODES: ReadonlySet<string> = new Set(['ThrottlingException', 'InternalFailure']);

/**
 * EventBridge refused a record's entry (`ErrorCode` in the PutEvents answer). `retryable` is true
 * for `ThrottlingException` and `InternalFailure` (the entry was retried `attempts` times and the
 * batch ends there; the transport redelivers it); other codes are permanent and go to the poison policy.
 */
export class PutEventsEntryError extends StreamshareError {
  readonly record: RecordIdentity;
  /** EventBridge's ErrorCode, e.g. `ThrottlingException`, `AccessDeniedException`. */
  readonly errorCode: string;
  readonly errorMessage: string | undefined;
  /** How many times the entry was sent. */
  readonly attempts: number;

  constructor(record: RecordIdentity, errorCode: string, errorMessage: string | undefined, attempts: number) {
    const retryable = RETRYABLE_ENTRY_ERROR_CODES.has(errorCode);
    super(
      'PUT_EVENTS_ENTRY_FAILED',
      `EventBridge refused ${describeRecord(record)} with ${errorCode}${errorMessage ? ` (${errorMessage})` : ''} ` +
        `after ${attempts} attempt(s)${retryable ? '' : '; this error code is permanent'}`,
      { retryable },
    );
    this.record = identityOf(record);
    this.errorCode = errorCode;
    this.errorMessage = errorMessage;
    this.attempts = attempts;
  }
}

/**
 * A whole PutEvents call failed (the SDK threw: throttling, 5xx, network, validation, access
 * denied) after `attempts` tries. The batch ends at the first record the call carried that was not
 * yet accepted. `retryable` tells whether the error was transient; `cause` is the SDK's error.
 */
export class PutEventsCallError extends StreamshareError {
  /** The first record of the call that was not accepted. */
  readonly record: RecordIdentity;
  readonly attempts: number;
  /** The event bus the call went to. */
  readonly eventBus: string;

  constructor(record: RecordIdentity, eventBus: string, attempts: number, cause: unknown, retryable: boolean) {
    // Core's one AWS error classifier reads the cause (safely, whatever was thrown).
    const { kind, name, message } = classifyAwsError(cause);
    const hint =
      kind === 'access-denied'
        ? ` (the bus's resource policy must allow this role events:PutEvents on ${eventBus}, and the role's own policy must too)`
        : '';
    super(
      'PUT_EVENTS_CALL_FAILED',
      `PutEvents to ${eventBus} failed after ${attempts} attempt(s) at ${describeRecord(record)}: ` +
        `${name === undefined ? '' : `${name}: `}${message}${hint}`,
      { cause, retryable },
    );
    this.record = identityOf(record);
    this.attempts = attempts;
    this.eventBus = eventBus;
  }
}

/** Forwarding stopped before a record because the batch was aborted. Retryable: the transport redelivers it. */
export class ForwardingAbortedError extends StreamshareError {
  readonly record: RecordIdentity;

  constructor(record: RecordIdentity, cause?: unknown) {
    super('FORWARDING_ABORTED', `forwarding stopped before ${describeRecord(record)}: the batch was aborted`, {
      cause,
      retryable: true,
    });
    this.record = identityOf(record);
  }
}
