/**
 * EventBridge's documented PutEvents entry size, implemented here on its own (not shared with the
 * forwarder) so that the loopback server checks the forwarder's arithmetic instead of repeating it.
 *
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html:
 * Time counts 14 bytes when present; Source and DetailType count their UTF-8 bytes; Detail, when
 * present, its UTF-8 bytes; each Resources member its UTF-8 bytes. EventBusName, TraceHeader and
 * the JSON punctuation of the request do not count.
 */
export interface SizedEntryFields {
  readonly Time?: unknown;
  readonly Source?: unknown;
  readonly DetailType?: unknown;
  readonly Detail?: unknown;
  readonly Resources?: unknown;
}

const TIME_BYTES = 14;

function utf8Bytes(value: unknown): number {
  return typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : 0;
}

/** Size of one request entry as EventBridge counts it against the request limit. */
export function entrySize(entry: SizedEntryFields): number {
  let size = entry.Time === undefined || entry.Time === null ? 0 : TIME_BYTES;
  size += utf8Bytes(entry.Source);
  size += utf8Bytes(entry.DetailType);
  size += utf8Bytes(entry.Detail);
  if (Array.isArray(entry.Resources)) for (const resource of entry.Resources) size += utf8Bytes(resource);
  return size;
}
