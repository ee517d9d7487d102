import type { SubscribeToShardEvent } from '@aws-sdk/client-kinesis';
import { parseRecordsJson } from '../../wire/records-json.js';
import { EventStreamFramingError, type EventStreamMessage, eventStreamMessages } from './messages.js';

/** One item of a subscription's event stream, as the AWS SDK's `EventStream` yields it. */
export interface ShardEventItem {
  readonly SubscribeToShardEvent: SubscribeToShardEvent;
}

/**
 * The exceptions SubscribeToShard models in its event stream, with the fault the SDK gives them
 * (`server` for InternalFailureException, else `client`). Others come as the SDK makes unmodeled
 * ones: a plain error with that name and no fault.
 */
const MODELED_EXCEPTIONS: ReadonlyMap<string, 'client' | 'server'> = new Map([
  ['ResourceNotFoundException', 'client'],
  ['ResourceInUseException', 'client'],
  ['KMSDisabledException', 'client'],
  ['KMSInvalidStateException', 'client'],
  ['KMSAccessDeniedException', 'client'],
  ['KMSNotFoundException', 'client'],
  ['KMSOptInRequired', 'client'],
  ['KMSThrottlingException', 'client'],
  ['InternalFailureException', 'server'],
]);

/**
 * The events of a SubscribeToShard response body (`application/vnd.amazon.eventstream`), decoded
 * here instead of by the AWS SDK (see readEventStream): the same items as the SDK's `EventStream`
 * (`{ SubscribeToShardEvent }`, the `initial-response` and event types it does not know skipped),
 * the same errors thrown for the stream's exceptions (an Error named after `:exception-type`, with
 * its `message` and the SDK's `$fault`) and errors (named after `:error-code`), and a plain Error for
 * malformed bytes ({@link EventStreamFramingError}). The difference is speed: a large event's
 * records are parsed one by one (see parseRecordsJson), and base64 is decoded without a regular
 * expression over every byte.
 * @internal
 */
export async function* shardEvents(body: AsyncIterable<Uint8Array>): AsyncGenerator<ShardEventItem, void, void> {
  for await (const message of eventStreamMessages(body)) {
    const type = message.headers.get(':message-type');
    if (type === 'event') {
      if (message.headers.get(':event-type') === 'SubscribeToShardEvent') {
        yield { SubscribeToShardEvent: parseRecordsJson<SubscribeToShardEvent>(message.payload) };
      }
      continue;
    }
    if (type === 'exception') throw exceptionOf(message);
    if (type === 'error') {
      const error = new Error(textHeader(message, ':error-message') || 'UnknownError');
      error.name = textHeader(message, ':error-code') ?? 'UnknownError';
      throw error;
    }
    throw new EventStreamFramingError(`event stream message of unknown type ${JSON.stringify(type)}`);
  }
}

/** The error an `exception` message stands for, as the SDK builds it. */
function exceptionOf(message: EventStreamMessage): Error {
  const name = textHeader(message, ':exception-type') ?? 'UnknownException';
  const text = message.payload.toString();
  const fault = MODELED_EXCEPTIONS.get(name);
  if (fault === undefined) {
    const error = new Error(text);
    error.name = name;
    return error;
  }
  let said: unknown;
  try {
    const body: unknown = JSON.parse(text);
    if (typeof body === 'object' && body !== null) {
      said = (body as { message?: unknown }).message ?? (body as { Message?: unknown }).Message;
    }
  } catch {
    said = text;
  }
  const error = new Error(typeof said === 'string' ? said : name);
  error.name = name;
  return Object.assign(error, { $fault: fault, $metadata: {} });
}

function textHeader(message: EventStreamMessage, name: string): string | undefined {
  const value = message.headers.get(name);
  return typeof value === 'string' ? value : undefined;
}
