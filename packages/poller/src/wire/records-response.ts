import type { MiddlewareStack } from '@smithy/types';
import { isReadable, readBody } from './read-body.js';
import { parseRecordsJson } from './records-json.js';
import { onOutput, onRawResponse } from './response-middleware.js';

export const RECORDS_RESPONSE_MIDDLEWARE = 'streamshareRecordsResponse';
export const RECORDS_OUTPUT_MIDDLEWARE = 'streamshareRecordsOutput';

/** What the SDK's deserializer is given in place of a body the poller decoded: an empty JSON object. */
const EMPTY_OBJECT = Buffer.from('{}');

/**
 * The seam of the poller's own decoding of a GetRecords response (the same as its enhanced fan-out
 * events: parseRecordsJson, a large body a record at a time, base64 without a regular expression):
 * two middlewares on one command. The inner one (innermost of the deserialize step) reads the body of
 * a 200 response whole (unless sliceResponse, added after it and so nearer the HTTP handler, read
 * it already: the parse then happens within the page's slice of the event loop), parses it, and
 * hands the SDK's deserializer `{}`; the outer one (around the deserializer) puts the parsed fields
 * (`Records`, `NextShardIterator`, `MillisBehindLatest`, `ChildShards`) into the SDK's output, which
 * keeps its `$metadata`. Any other response is the SDK's to decode (ExpiredIteratorException,
 * throttling and the rest keep their modeled errors). The decoded output is the SDK's shape, to the
 * byte (test: get-records-decoding.test.ts).
 * @internal
 */
export function decodeRecordsResponse<I extends object, O extends object>(stack: MiddlewareStack<I, O>): void {
  let decoded: Record<string, unknown> | undefined;
  onRawResponse(stack, RECORDS_RESPONSE_MIDDLEWARE, async (response) => {
    decoded = undefined;
    if (response.statusCode !== 200) return;
    const body = isReadable(response.body) ? await readBody(response.body) : response.body;
    if (body instanceof Uint8Array) {
      decoded = parseRecordsJson<Record<string, unknown>>(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
      response.body = EMPTY_OBJECT;
    }
  });
  onOutput(stack, RECORDS_OUTPUT_MIDDLEWARE, (output) => {
    if (decoded === undefined) return;
    Object.assign(output, decoded);
    decoded = undefined;
  });
}
