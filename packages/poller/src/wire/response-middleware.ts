import type {
  DeserializeHandler,
  DeserializeHandlerArguments,
  DeserializeHandlerOutput,
  MiddlewareStack,
} from '@smithy/types';

/** What a response middleware sees of the HTTP response: its status and its body (a stream, or bytes once read). */
export interface RawResponse {
  readonly statusCode?: number;
  body?: unknown;
}

/**
 * Adds to a command's middleware stack one that sees the raw HTTP response (`see`, awaited) before
 * the SDK decodes it: innermost of the deserialize step, between the SDK's deserializer and the HTTP
 * handler. Of two added this way, the one added first is the outer one (it sees the response after
 * the other). The poller's seams on a response: the turn and slice of a page (sliceResponse), its
 * own decoding of GetRecords pages (decodeRecordsResponse) and of SubscribeToShard event streams
 * (readEventStream).
 * @internal
 */
export function onRawResponse<I extends object, O extends object>(
  stack: MiddlewareStack<I, O>,
  name: string,
  see: (response: RawResponse) => Promise<void> | void,
): void {
  stack.add(
    (next: DeserializeHandler<I, O>) =>
      async (args: DeserializeHandlerArguments<I>): Promise<DeserializeHandlerOutput<O>> => {
        const out = await next(args);
        await see((out.response as RawResponse | undefined) ?? {});
        return out;
      },
    { step: 'deserialize', priority: 'low', name },
  );
}

/**
 * Adds to a command's middleware stack one that sees the SDK's decoded output (`see`), around the
 * SDK's deserializer (outermost of the deserialize step).
 * @internal
 */
export function onOutput<I extends object, O extends object>(
  stack: MiddlewareStack<I, O>,
  name: string,
  see: (output: O) => void,
): void {
  stack.add(
    (next: DeserializeHandler<I, O>) =>
      async (args: DeserializeHandlerArguments<I>): Promise<DeserializeHandlerOutput<O>> => {
        const out = await next(args);
        if (out.output !== undefined) see(out.output);
        return out;
      },
    { step: 'deserialize', priority: 'high', name },
  );
}
