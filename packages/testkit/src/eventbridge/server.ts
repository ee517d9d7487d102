import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LOOPBACK } from '../net/free-port.js';
import {
  type CallFailure,
  defaultErrorMessage,
  type EntryFailure,
  type FailureDecider,
  type FailurePlan,
  planToDecider,
  type RequestEntryView,
  toEntryFailure,
} from './failures.js';
import { type ParsedEntry, type ProtocolError, parseTime, validatePutEvents } from './validate.js';

/** Options of {@link startEventBridgeServer}. */
export interface EventBridgeServerOptions {
  /** Port to listen on (default: a free port). The server always binds 127.0.0.1. */
  readonly port?: number;
  /** Most entries per PutEvents call (default 10, as the service). */
  readonly maxEntries?: number;
  /** Largest request size by the documented entry size formula (default 262 144 = 256 KiB). */
  readonly maxRequestBytes?: number;
  /** Region of events sent to a bus by name (default `us-east-1`); a bus ARN brings its own. */
  readonly region?: string;
  /** Account of events sent to a bus by name (default `000000000000`); a bus ARN brings its own. */
  readonly account?: string;
  /** Per-entry failures from the start (see {@link EventBridgeServer.setFailures}). */
  readonly failures?: FailurePlan | FailureDecider;
}

/** An event the server accepted, in the order accepted. */
export interface ReceivedEvent {
  /** The EventId the server answered with. */
  readonly id: string;
  /** `EventBusName` as sent (a name or an ARN), or `default`. */
  readonly eventBusName: string;
  readonly source: string;
  readonly detailType: string;
  /** `Detail` as sent (a JSON string). */
  readonly detail: string;
  readonly resources: readonly string[];
  /** `Time` as sent, or the time of receipt when absent. */
  readonly time: Date;
  readonly account: string;
  readonly region: string;
  /** 1-based number of the call that carried it. */
  readonly call: number;
}

/** One PutEvents call the server answered (accepted or refused), in order. */
export interface ReceivedCall {
  /** 1-based call number. */
  readonly call: number;
  /** Entries in the request (0 when the body was unreadable). */
  readonly entryCount: number;
  /** Total size by the documented formula (0 when the call was refused before sizing). */
  readonly size: number;
  /** HTTP status answered. */
  readonly status: number;
  /** Entries that failed (per-entry ErrorCodes); 0 for refused calls. */
  readonly failedEntryCount: number;
  /** The error `__type` of a refused call. */
  readonly errorType?: string;
}

/** The event as EventBridge delivers it to a target such as a Lambda function. */
export interface DeliveredEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: string[];
  readonly detail: unknown;
}

/** A running loopback EventBridge, from {@link startEventBridgeServer}. */
export interface EventBridgeServer {
  /** e.g. `http://127.0.0.1:41234`; give it to `new EventBridgeClient({ endpoint })`. */
  readonly endpoint: string;
  readonly port: number;
  /** Events accepted, in order (a live array). */
  readonly events: readonly ReceivedEvent[];
  /** Calls answered, in order (a live array). */
  readonly calls: readonly ReceivedCall[];
  /** Replaces the per-entry failure injection; `undefined` turns it off. */
  setFailures(failures: FailurePlan | FailureDecider | undefined): void;
  /** Makes the next `failure.times` (default 1) calls fail as a whole with an HTTP error. */
  failCalls(failure: CallFailure): void;
  /** Forgets events, calls, failures and the `seen` counts. */
  reset(): void;
  /** Closes the server. Idempotent. */
  stop(): Promise<void>;
}

const JSON_11 = 'application/x-amz-json-1.1';
const BUS_ARN = /^arn:aws[\w-]*:events:([a-z0-9-]+):(\d{12}):event-bus\/(.+)$/;

/** The event as a rule target receives it (time in seconds, as EventBridge formats it). */
export function toDeliveredEvent(event: ReceivedEvent): DeliveredEvent {
  return {
    version: '0',
    id: event.id,
    'detail-type': event.detailType,
    source: event.source,
    account: event.account,
    time: event.time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: event.region,
    resources: [...event.resources],
    detail: JSON.parse(event.detail),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function answer(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': JSON_11,
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
  });
  res.end(text);
}

function answerError(res: ServerResponse, error: ProtocolError): void {
  answer(res, error.status, { __type: error.type, message: error.message });
}

/**
 * Starts a loopback EventBridge that speaks the AWS JSON 1.1 protocol of `AWSEvents.PutEvents`,
 * so the real `@aws-sdk/client-eventbridge` can be pointed at it. It enforces the 10-entry and
 * request size limits (the documented entry size formula; a request whose total is at most
 * `maxRequestBytes` is accepted), refuses malformed entries with the service's per-entry
 * ErrorCodes, records what it accepted, and injects per-entry and whole-call failures.
 */
export async function startEventBridgeServer(options: EventBridgeServerOptions = {}): Promise<EventBridgeServer> {
  const limits = { maxEntries: options.maxEntries ?? 10, maxRequestBytes: options.maxRequestBytes ?? 262_144 };
  const events: ReceivedEvent[] = [];
  const calls: ReceivedCall[] = [];
  const seen = new Map<string, number>();
  const callFailures: { failure: CallFailure; left: number }[] = [];
  let decider: FailureDecider | undefined;
  let callCount = 0;

  const setFailures = (failures: FailurePlan | FailureDecider | undefined): void => {
    decider = failures === undefined ? undefined : typeof failures === 'function' ? failures : planToDecider(failures);
  };
  setFailures(options.failures);

  const where = (busName: string | undefined): { account: string; region: string } => {
    const match = busName === undefined ? null : BUS_ARN.exec(busName);
    if (match) return { region: match[1]!, account: match[2]! };
    return { region: options.region ?? 'us-east-1', account: options.account ?? '000000000000' };
  };

  const accept = (entry: ParsedEntry, call: number): ReceivedEvent => {
    const raw = entry.raw;
    const busName = typeof raw.EventBusName === 'string' ? raw.EventBusName : undefined;
    const event: ReceivedEvent = {
      id: randomUUID(),
      eventBusName: busName ?? 'default',
      source: raw.Source as string,
      detailType: raw.DetailType as string,
      detail: raw.Detail as string,
      resources: Array.isArray(raw.Resources) ? raw.Resources.filter((r) => typeof r === 'string') : [],
      time: raw.Time === undefined || raw.Time === null ? new Date() : parseTime(raw.Time),
      ...where(busName),
      call,
    };
    events.push(event);
    return event;
  };

  const decide = (entry: ParsedEntry, call: number, index: number): EntryFailure | undefined => {
    if (entry.invalid) return entry.invalid;
    const detail = entry.raw.Detail as string;
    const count = (seen.get(detail) ?? 0) + 1;
    seen.set(detail, count);
    if (!decider) return undefined;
    const view: RequestEntryView = {
      source: entry.raw.Source as string,
      detailType: entry.raw.DetailType as string,
      detail,
      resources: Array.isArray(entry.raw.Resources) ? (entry.raw.Resources as string[]) : [],
      eventBusName: typeof entry.raw.EventBusName === 'string' ? entry.raw.EventBusName : undefined,
      size: entry.size,
    };
    return toEntryFailure(decider(view, { call, index, seen: count }));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const text = await readBody(req);
    const call = ++callCount;
    const refuse = (error: ProtocolError, entryCount = 0, size = 0): void => {
      calls.push({ call, entryCount, size, status: error.status, failedEntryCount: 0, errorType: error.type });
      answerError(res, error);
    };
    if (req.method !== 'POST') {
      return refuse({ status: 405, type: 'MethodNotAllowed', message: 'Only POST is supported.' });
    }
    if (!req.headers.authorization) {
      return refuse({
        status: 400,
        type: 'MissingAuthenticationTokenException',
        message: 'Missing Authentication Token',
      });
    }
    const target = req.headers['x-amz-target'];
    if (target !== 'AWSEvents.PutEvents') {
      return refuse({ status: 400, type: 'UnknownOperationException', message: `Unknown operation ${String(target)}` });
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return refuse({ status: 400, type: 'SerializationException', message: 'Unable to parse the request body.' });
    }
    const entryCount = Array.isArray((body as { Entries?: unknown })?.Entries)
      ? (body as { Entries: unknown[] }).Entries.length
      : 0;
    const parsed = validatePutEvents(body, limits);
    if ('status' in parsed) return refuse(parsed, entryCount, parsed.size ?? 0);
    const pending = callFailures[0];
    if (pending) {
      if (--pending.left <= 0) callFailures.shift();
      const { status, type, message } = pending.failure;
      return refuse({ status, type, message: message ?? defaultErrorMessage(type) }, entryCount, parsed.size);
    }
    let failed = 0;
    const results = parsed.entries.map((entry, index) => {
      const failure = decide(entry, call, index);
      if (failure) {
        failed++;
        return {
          ErrorCode: failure.errorCode,
          ErrorMessage: failure.errorMessage ?? defaultErrorMessage(failure.errorCode),
        };
      }
      return { EventId: accept(entry, call).id };
    });
    calls.push({ call, entryCount, size: parsed.size, status: 200, failedEntryCount: failed });
    answer(res, 200, { FailedEntryCount: failed, Entries: results });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) answerError(res, { status: 500, type: 'InternalException', message: String(error) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, LOOPBACK, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  let stopped: Promise<void> | undefined;

  return {
    endpoint: `http://${LOOPBACK}:${port}`,
    port,
    events,
    calls,
    setFailures,
    failCalls(failure) {
      callFailures.push({ failure, left: failure.times ?? 1 });
    },
    reset() {
      events.length = 0;
      calls.length = 0;
      seen.clear();
      callFailures.length = 0;
      decider = undefined;
      callCount = 0;
    },
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}
