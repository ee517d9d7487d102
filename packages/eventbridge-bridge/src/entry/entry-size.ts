import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';

const encoder = new TextEncoder();
const TIME_BYTES = 14;

/** UTF-8 byte length of a string without allocating for ASCII-only text. */
export function utf8Length(text: string): number {
  // Fast path: Buffer.byteLength is native and does not copy.
  return typeof Buffer !== 'undefined' ? Buffer.byteLength(text, 'utf8') : encoder.encode(text).length;
}

/**
 * The size of a PutEvents entry as EventBridge counts it against the request limit
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html): 14 bytes for
 * `Time` when present, the UTF-8 bytes of `Source`, `DetailType`, `Detail` and of each `Resources`
 * member. `EventBusName` and `TraceHeader` do not count.
 */
export function putEventsEntrySize(entry: PutEventsRequestEntry): number {
  let size = entry.Time === undefined ? 0 : TIME_BYTES;
  if (entry.Source !== undefined) size += utf8Length(entry.Source);
  if (entry.DetailType !== undefined) size += utf8Length(entry.DetailType);
  if (entry.Detail !== undefined) size += utf8Length(entry.Detail);
  for (const resource of entry.Resources ?? []) if (resource != null) size += utf8Length(resource);
  return size;
}
