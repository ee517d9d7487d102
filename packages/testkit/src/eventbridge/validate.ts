import { entrySize } from './entry-size.js';

/** An AWS JSON 1.1 error answer: HTTP status, `__type` and message. */
export interface ProtocolError {
  readonly status: number;
  readonly type: string;
  readonly message: string;
  /** Total entry size, when the call got as far as sizing. */
  readonly size?: number;
}

/** One request entry after validation of the call. */
export interface ParsedEntry {
  readonly raw: Readonly<Record<string, unknown>>;
  readonly size: number;
  /** Why EventBridge would refuse this entry alone (per-entry ErrorCode), if it would. */
  readonly invalid?: { readonly errorCode: string; readonly errorMessage: string };
}

/** A PutEvents call that passed call-level validation. */
export interface ParsedCall {
  readonly entries: readonly ParsedEntry[];
  readonly size: number;
}

/** The limits the server enforces. */
export interface PutEventsLimits {
  readonly maxEntries: number;
  readonly maxRequestBytes: number;
}

const SOURCE_MAX = 256;
const DETAIL_TYPE_MAX = 128;

function validation(message: string): ProtocolError {
  return { status: 400, type: 'ValidationException', message };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function summarize(entries: readonly unknown[]): string {
  const shown = entries.slice(0, 3).map(() => 'PutEventsRequestEntry(...)');
  return `[${shown.join(', ')}${entries.length > 3 ? `, ... (${entries.length} entries)` : ''}]`;
}

function entryProblem(raw: Record<string, unknown>): ParsedEntry['invalid'] {
  for (const field of ['Source', 'DetailType', 'Detail'] as const) {
    if (typeof raw[field] !== 'string' || raw[field] === '') {
      return {
        errorCode: 'InvalidArgument',
        errorMessage: `Parameter ${field} is not valid. Reason: ${field} is a required argument.`,
      };
    }
  }
  let detail: unknown;
  try {
    detail = JSON.parse(raw.Detail as string);
  } catch {
    return { errorCode: 'MalformedDetail', errorMessage: 'Detail is malformed.' };
  }
  if (!isRecord(detail)) return { errorCode: 'MalformedDetail', errorMessage: 'Detail is malformed.' };
  const time = raw.Time;
  if (time !== undefined && time !== null && Number.isNaN(parseTime(time).getTime())) {
    return { errorCode: 'InvalidArgument', errorMessage: 'Parameter Time is not valid.' };
  }
  return undefined;
}

/** Reads `Time` as the SDK sends it (epoch seconds) or as an ISO string. */
export function parseTime(value: unknown): Date {
  if (typeof value === 'number') return new Date(value * 1000);
  if (typeof value === 'string') return new Date(/^\d+(\.\d+)?$/.test(value) ? Number(value) * 1000 : value);
  return new Date(Number.NaN);
}

/**
 * Validates a PutEvents body the way the service does: call-level problems are a
 * `ValidationException` (400) for the whole call; entry-level problems are per-entry ErrorCodes.
 */
export function validatePutEvents(body: unknown, limits: PutEventsLimits): ParsedCall | ProtocolError {
  if (!isRecord(body)) return { status: 400, type: 'SerializationException', message: 'Start of structure expected' };
  const entries = body.Entries;
  if (entries === undefined || entries === null) {
    return validation(
      "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null",
    );
  }
  if (!Array.isArray(entries))
    return { status: 400, type: 'SerializationException', message: 'Start of list expected' };
  if (entries.length < 1 || entries.length > limits.maxEntries) {
    const bound = entries.length < 1 ? 'greater than or equal to 1' : `less than or equal to ${limits.maxEntries}`;
    return validation(
      `1 validation error detected: Value '${summarize(entries)}' at 'entries' failed to satisfy constraint: Member must have length ${bound}`,
    );
  }
  const parsed: ParsedEntry[] = [];
  let size = 0;
  for (const [i, raw] of entries.entries()) {
    if (!isRecord(raw)) return { status: 400, type: 'SerializationException', message: 'Start of structure expected' };
    for (const [field, max] of [
      ['Source', SOURCE_MAX],
      ['DetailType', DETAIL_TYPE_MAX],
    ] as const) {
      const value = raw[field];
      if (typeof value === 'string' && value.length > max) {
        const name = field === 'Source' ? 'source' : 'detailType';
        return validation(
          `1 validation error detected: Value '${value}' at 'entries.${i + 1}.member.${name}' failed to satisfy constraint: Member must have length less than or equal to ${max}`,
        );
      }
    }
    const entrySizeBytes = entrySize(raw);
    size += entrySizeBytes;
    const invalid = entryProblem(raw);
    parsed.push(invalid === undefined ? { raw, size: entrySizeBytes } : { raw, size: entrySizeBytes, invalid });
  }
  if (size > limits.maxRequestBytes) {
    return { ...validation('Total size of the entries in the request is over the limit.'), size };
  }
  return { entries: parsed, size };
}
