import { Readable } from 'node:stream';
import type {
  AbsoluteLocation,
  DeserializeHandler,
  DeserializeHandlerArguments,
  DeserializeHandlerOptions,
  DeserializeHandlerOutput,
  MiddlewareStack,
} from '@smithy/types';

export const READ_EVENT_STREAM_MIDDLEWARE = 'streamshareReadEventStream';

const OPTIONS: DeserializeHandlerOptions & AbsoluteLocation = {
  step: 'deserialize',
  // Innermost of the step: between the SDK's deserializer and the HTTP handler.
  priority: 'low',
  name: READ_EVENT_STREAM_MIDDLEWARE,
};

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
  stack.add(
    (next: DeserializeHandler<I, O>) =>
      async (args: DeserializeHandlerArguments<I>): Promise<DeserializeHandlerOutput<O>> => {
        const out = await next(args);
        const response = out.response as { statusCode?: number; body?: unknown } | undefined;
        if (response?.statusCode === 200 && response.body instanceof Readable) {
          taken = response.body;
          response.body = Readable.from([]);
        }
        return out;
      },
    OPTIONS,
  );
  return { body: () => taken };
}
