import type { MiddlewareStack } from '@smithy/types';
import { isReadable, readBody } from '../wire/read-body.js';
import { onRawResponse } from '../wire/response-middleware.js';
import type { LoopSlices } from './loop-slices.js';
import type { Turn } from './request-scheduler.js';

/** The name of the middleware {@link sliceResponse} adds to a command. */
export const RESPONSE_SLICE_MIDDLEWARE = 'streamshareResponseSlice';

/**
 * Makes a command's response (`stack`: its middleware stack) end its turn and wait for a slice of the event loop before the SDK
 * parses it: a middleware between the SDK's deserializer and the HTTP handler reads the whole body
 * (its socket is free once it is read), releases `turn` (the request is no longer out: its latency is
 * the network's, not the time its page then waited for the loop), then waits for
 * `slices.pass()`, and hands the body to the deserializer as bytes.
 *
 * So parsing a page (the JSON text and its base64 strings, most of a GetRecords' CPU) and everything
 * that follows it (the records handled, the checkpoint, the next request) runs within a slice: many
 * responses arriving at once are taken a slice at a time, not all in the turn of the loop that read
 * them.
 * @internal
 */
export function sliceResponse<I extends object, O extends object>(
  stack: MiddlewareStack<I, O>,
  turn: Turn,
  slices: LoopSlices | undefined,
): void {
  onRawResponse(stack, RESPONSE_SLICE_MIDDLEWARE, async (response) => {
    if (isReadable(response.body)) response.body = await readBody(response.body);
    turn.release();
    const slice = slices?.pass();
    if (slice !== undefined) await slice;
  });
}
