import { InvalidInputError } from '@streamshare/core';

/**
 * The event given to an adapter handler is not the kind it takes (for example an SQS event given to
 * `kinesisHandler`), or cannot be processed as a whole (records of several shards). The message says
 * what arrived and what was expected. Never retryable: the same event fails the same way.
 */
export class InvalidEventError extends InvalidInputError {
  /** What arrived, as the message describes it (e.g. `an SQS event (Records[0].eventSource aws:sqs)`). */
  readonly received: string;
  /** What the handler takes. */
  readonly expected: string;

  constructor(received: string, expected: string, options: { cause?: unknown; detail?: string } = {}) {
    const detail = options.detail === undefined ? '' : `: ${options.detail}`;
    super('INVALID_EVENT', `expected ${expected}, got ${received}${detail}`, { cause: options.cause });
    this.received = received;
    this.expected = expected;
  }
}
