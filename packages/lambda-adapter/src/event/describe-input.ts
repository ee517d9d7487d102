/** Event sources as they appear in `Records[0].eventSource` (or `EventSource` for SNS). */
const EVENT_SOURCES: Readonly<Record<string, string>> = {
  'aws:kinesis': 'a Kinesis event',
  'aws:sqs': 'an SQS event',
  'aws:sns': 'an SNS event',
  'aws:s3': 'an S3 event',
  'aws:dynamodb': 'a DynamoDB Streams event',
  'aws:ses': 'an SES event',
  'aws:codecommit': 'a CodeCommit event',
};

const MAX_PREVIEW = 60;

function preview(text: string): string {
  return text.length > MAX_PREVIEW ? `${JSON.stringify(text.slice(0, MAX_PREVIEW))}...` : JSON.stringify(text);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Describes, for an error message, what arrived in place of the expected event: `null`,
 * `a string "..."`, `an SQS event (Records[0].eventSource aws:sqs)`,
 * `an EventBridge event (source "aws.events", detail-type "Scheduled Event")`, `an empty object ({})`, ...
 * Never includes payloads beyond a short preview of a bare string.
 */
export function describeInput(value: unknown): string {
  try {
    return describeAt(value, 0);
  } catch {
    // a Proxy whose traps throw, a getter that throws: nothing more can be said of it
    return 'an object that cannot be inspected';
  }
}

/** How deep describeInput looks into `Records` inside `Records` (an event can nest them at will). */
const MAX_DEPTH = 3;

function describeAt(value: unknown, depth: number): string {
  if (depth > MAX_DEPTH) return 'a value nested too deep to describe';
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'string') return `a string ${preview(value)}`;
  if (typeof value === 'function') return 'a function';
  if (typeof value !== 'object') return `a ${typeof value} (${String(value)})`;
  if (Array.isArray(value)) return `an array of ${value.length} item(s)`;
  const event = value as Record<string, unknown>;
  if (Array.isArray(event.Records)) {
    const first: unknown = event.Records[0];
    if (!isObject(first)) return `an object whose Records[0] is ${describeAt(first, depth + 1)}`;
    const [field, source] =
      typeof first.eventSource === 'string'
        ? ['eventSource', first.eventSource]
        : typeof first.EventSource === 'string'
          ? ['EventSource', first.EventSource]
          : [undefined, undefined];
    if (field === undefined || source === undefined) {
      return `an event whose Records[0] has no eventSource (keys: ${keysOf(first)})`;
    }
    const kind = EVENT_SOURCES[source] ?? 'an event';
    return `${kind} (Records[0].${field} ${source})`;
  }
  if (typeof event['detail-type'] === 'string' && typeof event.source === 'string') {
    return `an EventBridge event (source ${JSON.stringify(event.source)}, detail-type ${JSON.stringify(event['detail-type'])})`;
  }
  if (Array.isArray(event.Records) === false && 'Records' in event) {
    return `an object whose Records is ${describeAt(event.Records, depth + 1)}`;
  }
  const keys = Object.keys(event);
  if (keys.length === 0) return 'an empty object ({})';
  return `an object with keys ${keysOf(event)}`;
}

function keysOf(value: Record<string, unknown>): string {
  const keys = Object.keys(value);
  if (keys.length === 0) return 'none';
  const shown = keys.slice(0, 8).join(', ');
  return keys.length > 8 ? `${shown}, ...` : shown;
}
