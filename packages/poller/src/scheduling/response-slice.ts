import { finished, type Readable } from 'node:stream';
import type {
  AbsoluteLocation,
  DeserializeHandler,
  DeserializeHandlerArguments,
  DeserializeHandlerOptions,
  DeserializeHandlerOutput,
  MiddlewareStack,
} from '@smithy/types';
import type { LoopSlices } from './loop-slices.js';
import type { Turn } from './request-scheduler.js';

/** The name of the middleware {@link sliceResponse} adds to a command. */
export const RESPONSE_SLICE_MIDDLEWARE = 'streamshareResponseSlice';

const OPTIONS: DeserializeHandlerOptions & AbsoluteLocation = {
  step: 'deserialize',
  // Innermost of the step: between the SDK's deserializer and the HTTP handler.
  priority: 'low',
  name: RESPONSE_SLICE_MIDDLEWARE,
};

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
  stack.add(
    (next: DeserializeHandler<I, O>) =>
      async (args: DeserializeHandlerArguments<I>): Promise<DeserializeHandlerOutput<O>> => {
        const out = await next(args);
        const response = out.response as { body?: unknown } | undefined;
        if (response !== undefined && isReadable(response.body)) response.body = await readAll(response.body);
        turn.release();
        const slice = slices?.pass();
        if (slice !== undefined) await slice;
        return out;
      },
    OPTIONS,
  );
}

function isReadable(body: unknown): body is Readable {
  return (
    typeof body === 'object' &&
    body !== null &&
    typeof (body as Readable).on === 'function' &&
    typeof (body as Readable).read === 'function'
  );
}

/** The whole of a response body, as bytes; rejects when the stream fails or closes before its end. */
function readAll(body: Readable): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    body.on('data', (chunk: Buffer | string) => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      chunks.push(bytes);
      length += bytes.length;
    });
    // Only the body's end: an HTTP/2 stream is also the request's writable side.
    finished(body, { writable: false }, (error) => {
      if (error) reject(error);
      else {
        const all = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, length);
        resolve(new Uint8Array(all.buffer, all.byteOffset, all.byteLength));
      }
    });
  });
}
