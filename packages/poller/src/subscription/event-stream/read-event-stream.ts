import { Readable } from 'node:stream';
import type { MiddlewareStack } from '@smithy/types';
import { onRawResponse } from '../../wire/response-middleware.js';

export const READ_EVENT_STREAM_MIDDLEWARE = 'streamshareReadEventStream';

/**
 * The seam of the fast event decoding: a middleware on a SubscribeToShard command that takes the
 * body of a successful (200) response, the raw event stream, for shardEvents to decode, and hands
 * the SDK's deserializer an empty body instead (its `EventStream` is then empty and unused). Any
 * other response (an HTTP error: AccessDenied, ResourceInUse, ResourceNotFound...) is left to the
 * SDK, which throws its modeled exception as before. `body()` is the taken body, once `send`
 * resolved; undefined when the SDK kept it.
 * @internal
 */
export function readEventStream<I extends object, O extends object>(
  stack: MiddlewareStack<I, O>,
): { body(): Readable | undefined } {
  let taken: Readable | undefined;
  onRawResponse(stack, READ_EVENT_STREAM_MIDDLEWARE, (response) => {
    if (response.statusCode === 200 && response.body instanceof Readable) {
      taken = response.body;
      response.body = Readable.from([]);
    }
  });
  return { body: () => taken };
}
