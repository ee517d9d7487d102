import { request as httpRequest } from 'node:http';
import {
  constants,
  createServer,
  type Http2Server,
  type Http2Session,
  type IncomingHttpHeaders,
  type ServerHttp2Session,
  type ServerHttp2Stream,
} from 'node:http2';
import { describeThrown } from '@streamshare/core/internal';
import { LOOPBACK } from '../net/free-port.js';
import {
  corruptMessageCrc,
  exceptionMessage,
  frameShardEventJson,
  initialResponseMessage,
  JSON_CONTENT_TYPE,
  shardEventMessage,
  type WireChildShard,
  type WireRecord,
  type WireShardEvent,
} from './event-stream.js';

const TARGET_PREFIX = 'Kinesis_20131202.';
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Waits `ms`, or less when `stream` closes first (no timer is left behind a closed stream). */
function sleepOrClose(stream: ServerHttp2Stream, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      stream.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    stream.once('close', done);
  });
}

/** A record of a scripted event. A string `data` is sent as its UTF-8 bytes. */
export interface ScriptedRecord {
  readonly data: string | Uint8Array;
  readonly partitionKey: string;
  readonly sequenceNumber: string;
  /** Arrival time; default now. */
  readonly arrival?: Date;
}

/** How a subscription's HTTP/2 stream ends. */
export type SubscriptionEnd =
  /** The response ends normally (END_STREAM), as at the 5-minute limit. */
  | 'end'
  /** The stream is reset (RST_STREAM, INTERNAL_ERROR). */
  | 'reset'
  /** The whole HTTP/2 session (the connection) is destroyed: a dropped connection. */
  | 'drop'
  /** The server sends nothing more and keeps the stream open: a silent stream. */
  | 'hang';

/** One step of a scripted subscription. */
export type SubscribeStep =
  /** A `SubscribeToShardEvent`; `splitInto` > 1 writes its bytes in that many pieces (separate DATA frames). */
  | {
      readonly kind: 'event';
      readonly records?: readonly ScriptedRecord[];
      readonly continuation: string | null;
      readonly millisBehindLatest?: number;
      readonly childShards?: readonly WireChildShard[];
      readonly splitInto?: number;
    }
  /** An event whose message CRC32 is wrong. */
  | { readonly kind: 'corrupt-event'; readonly continuation: string }
  /** A modeled exception in the stream (`KMSAccessDeniedException`, `ResourceInUseException`...). */
  | { readonly kind: 'exception'; readonly type: string; readonly message?: string }
  /** A pause before the next step. */
  | { readonly kind: 'pause'; readonly ms: number };

/** What the server does with one SubscribeToShard call. */
export type SubscribeScript =
  /** Answer with an HTTP error (no event stream), as AWS does for a subscription within 5 s of the last. */
  | { readonly kind: 'reject'; readonly status?: number; readonly type: string; readonly message?: string }
  /**
   * Play these steps after the initial response, then end the stream as `end` says (default `'end'`).
   * `initialResponse: false` leaves out the `initial-response` event (the SDK's `send()` waits for a first event).
   */
  | {
      readonly kind: 'steps';
      readonly steps: readonly SubscribeStep[];
      readonly end?: SubscriptionEnd;
      readonly initialResponse?: boolean;
    }
  /**
   * Serve the shard's records from kinesis-mock (GetShardIterator at the starting position, then
   * GetRecords), an event per page with records and an empty event each `heartbeatMs`, until
   * `endAfterMs` has passed (then `end`, default `'end'`) or the shard ends (an event with
   * ChildShards and a null continuation, then `'end'`).
   */
  | {
      readonly kind: 'live';
      readonly endAfterMs?: number;
      readonly heartbeatMs?: number;
      readonly end?: SubscriptionEnd;
    }
  | GenerateScript;

/**
 * Serve a shard made up in memory, not kinesis-mock's: a backlog of `events` × `recordsPerEvent`
 * records with the same payload and made-up sequence numbers (`GENERATED_SEQUENCE_BASE` + 1, + 2…),
 * sent from the call's starting position (TRIM_HORIZON: the first record; AFTER/AT_SEQUENCE_NUMBER:
 * the record after or at it; LATEST: none), one event of up to `recordsPerEvent` records at a time as
 * fast as the client's HTTP/2 flow control lets them out. Then an empty event (the last
 * continuation) every `heartbeatMs` until `endAfterMs` has passed since the subscription started,
 * then `end`. For benchmarks of the client side: kinesis-mock fills at hundreds of records per
 * second, this at the speed of the framing.
 */
export interface GenerateScript {
  readonly kind: 'generate';
  /** Events of the whole backlog of the shard (the same for every subscription: a re-subscription resumes in it). */
  readonly events: number;
  readonly recordsPerEvent: number;
  /** The payload of every record; default a JSON object (`{"pad":"xx…"}`) of `recordBytes` bytes. */
  readonly data?: string | Uint8Array;
  /** Size of the default payload. Default 1024. */
  readonly recordBytes?: number;
  /** Records take partition keys `key-0` … `key-(n-1)` in turn. Default 16. */
  readonly partitionKeys?: number;
  /** Default 5000 ms. */
  readonly heartbeatMs?: number;
  /** Default 300 000 ms (the 5 minutes of AWS). */
  readonly endAfterMs?: number;
  /** Default `'end'`. */
  readonly end?: SubscriptionEnd;
}

/** The sequence number a generated shard starts at (its first record is this + 1). */
export const GENERATED_SEQUENCE_BASE = 49_000_000_000_000_000_000_000_000_000_000_000_000_000_000_000n;

/** The sequence number of the generated record at `index` (0-based). */
export function generatedSequenceNumber(index: number): string {
  return (GENERATED_SEQUENCE_BASE + BigInt(index) + 1n).toString();
}

/** What the server wrote of one `SubscribeToShardEvent`, for {@link SubscribeServerOptions.onEventWritten}. */
export interface WrittenEvent {
  readonly call: SubscribeCall;
  /** Records in the event (0: a heartbeat). */
  readonly records: number;
  readonly firstSequenceNumber: string | undefined;
  readonly lastSequenceNumber: string | undefined;
  /** `Date.now()` just before the event's bytes were handed to the HTTP/2 stream. */
  readonly writingAt: number;
}

/** One SubscribeToShard call the server received. */
export interface SubscribeCall {
  readonly consumerArn: string;
  readonly shardId: string;
  readonly startingPosition: { Type: string; SequenceNumber?: string; Timestamp?: number };
  /** The access key id of the request (kinesis-mock's account). */
  readonly accessKeyId: string | undefined;
  readonly script: SubscribeScript['kind'];
}

/** Options of {@link startSubscribeServer}. */
export interface SubscribeServerOptions {
  /** kinesis-mock's endpoint: every call but SubscribeToShard is forwarded there (HTTP/1.1). */
  readonly kinesisEndpoint: string;
  /** The script of a call when none was queued with {@link SubscribeServer.enqueue}. Default `{ kind: 'live' }`. */
  readonly defaultScript?: SubscribeScript;
  /** Live mode: how long to wait between GetRecords calls that returned nothing. Default 50 ms. */
  readonly pollMs?: number;
  /** Told of each `SubscribeToShardEvent` of a `live` or `generate` subscription once written whole (for latency benchmarks). */
  readonly onEventWritten?: (event: WrittenEvent) => void;
}

/** Open HTTP/2 sessions and streams of the server, and what it served. */
export interface SubscribeServerStats {
  readonly sessionsOpen: number;
  readonly streamsOpen: number;
  /** SubscribeToShard streams still open. */
  readonly subscriptionsOpen: number;
  /** Sessions (connections) that carried a SubscribeToShard stream and are still open. */
  readonly subscriptionSessionsOpen: number;
  readonly forwarded: number;
  /** `SubscribeToShardEvent` messages written whole (flow control let them out), over all subscriptions. */
  readonly eventsWritten: number;
}

/** A running server from {@link startSubscribeServer}. */
export interface SubscribeServer {
  /** `http://127.0.0.1:PORT`: give it to a KinesisClient with a `NodeHttp2Handler`. */
  readonly endpoint: string;
  readonly port: number;
  /** Every SubscribeToShard call, in order. */
  readonly calls: readonly SubscribeCall[];
  /** Queues scripts: each SubscribeToShard call takes the next one (then the default script). */
  enqueue(...scripts: SubscribeScript[]): void;
  /** Drops the scripts still queued (between tests). */
  discardQueued(): void;
  stats(): SubscribeServerStats;
  /** Waits until `predicate(stats())` holds (polls every 10 ms), or throws after `timeoutMs`. */
  waitFor(predicate: (stats: SubscribeServerStats) => boolean, timeoutMs?: number): Promise<SubscribeServerStats>;
  /** Destroys every session and closes the server. Idempotent. */
  close(): Promise<void>;
}

function wireRecord(record: ScriptedRecord): WireRecord {
  const bytes = typeof record.data === 'string' ? new TextEncoder().encode(record.data) : record.data;
  return {
    Data: Buffer.from(bytes).toString('base64'),
    PartitionKey: record.partitionKey,
    SequenceNumber: record.sequenceNumber,
    ApproximateArrivalTimestamp: (record.arrival ?? new Date()).getTime() / 1000,
  };
}

/** The stream ARN a consumer ARN belongs to (`…:stream/NAME/consumer/C:TS` → `…:stream/NAME`). */
export function streamArnOfConsumer(consumerArn: string): string {
  const at = consumerArn.indexOf('/consumer/');
  return at < 0 ? consumerArn : consumerArn.slice(0, at);
}

function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

/** The subscriber's signing headers, sent on with the server's own calls: kinesis-mock reads the account from them. */
type Signing = Record<string, string>;
const SIGNING_HEADERS = ['authorization', 'x-amz-date', 'x-amz-security-token'] as const;

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'host']);

/**
 * Starts a loopback HTTP/2 cleartext (h2c) server that answers `SubscribeToShard` itself (an
 * `initial-response` event, then `SubscribeToShardEvent` messages in the AWS event-stream framing,
 * encoded with `@smithy/core`'s codec) and forwards every other Kinesis call to kinesis-mock over
 * HTTP/1.1, so that the control plane (streams, shards, consumers, records) stays kinesis-mock's.
 * kinesis-mock answers SubscribeToShard itself but its HTTP/2 stream then fails, hence this server.
 *
 * Each subscription follows a {@link SubscribeScript}: records from kinesis-mock (`live`), or
 * scripted steps (events, heartbeats, exceptions, a corrupt CRC, a split message) and an end
 * (normal, reset, dropped connection, silent), or an HTTP error (`ResourceInUseException`).
 *
 * @example
 * ```ts
 * const server = await startSubscribeServer({ kinesisEndpoint: mock.endpoint });
 * const client = new KinesisClient({ endpoint: server.endpoint, requestHandler: new NodeHttp2Handler() });
 * server.enqueue({ kind: 'live', endAfterMs: 2000 });
 * ```
 */
export async function startSubscribeServer(options: SubscribeServerOptions): Promise<SubscribeServer> {
  const target = new URL(options.kinesisEndpoint);
  const pollMs = options.pollMs ?? 50;
  const queue: SubscribeScript[] = [];
  const calls: SubscribeCall[] = [];
  const sessions = new Set<ServerHttp2Session>();
  const subscriptionSessions = new Set<Http2Session>();
  let streamsOpen = 0;
  let subscriptionsOpen = 0;
  let forwarded = 0;
  let eventsWritten = 0;
  let closed = false;

  /** One Kinesis JSON call to kinesis-mock, signed as the subscriber (kinesis-mock reads only the key id). */
  function kinesisCall(operation: string, body: unknown, signing: Signing): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const payload = Buffer.from(JSON.stringify(body));
      const req = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          method: 'POST',
          path: '/',
          headers: {
            'content-type': JSON_CONTENT_TYPE,
            'x-amz-target': TARGET_PREFIX + operation,
            'content-length': payload.length,
            ...signing,
          },
        },
        (res) => {
          readAll(res).then((bytes) => {
            const text = bytes.toString('utf8');
            const parsed: unknown = text === '' ? {} : JSON.parse(text);
            if ((res.statusCode ?? 500) >= 300) reject(new Error(`${operation} failed (${res.statusCode}): ${text}`));
            else resolve(parsed);
          }, reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  function forward(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, body: Buffer): void {
    forwarded++;
    const outHeaders: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(headers)) {
      if (name.startsWith(':') || value === undefined || HOP_BY_HOP.has(name)) continue;
      outHeaders[name] = value;
    }
    outHeaders['content-length'] = String(body.length);
    const req = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: String(headers[':method'] ?? 'POST'),
        path: String(headers[':path'] ?? '/'),
        headers: outHeaders,
      },
      (res) => {
        readAll(res).then(
          (bytes) => {
            if (stream.destroyed) return;
            const back: Record<string, string | string[] | number> = { ':status': res.statusCode ?? 502 };
            for (const [name, value] of Object.entries(res.headers)) {
              if (value === undefined || HOP_BY_HOP.has(name) || name === 'content-length') continue;
              back[name] = value;
            }
            back['content-length'] = bytes.length;
            stream.respond(back);
            stream.end(bytes);
          },
          () => stream.close(constants.NGHTTP2_INTERNAL_ERROR),
        );
      },
    );
    req.on('error', () => {
      if (!stream.destroyed) {
        stream.respond({ ':status': 502 });
        stream.end();
      }
    });
    req.end(body);
  }

  /** Writes bytes, waiting for the peer's flow-control window (so a slow reader pushes back). */
  async function write(stream: ServerHttp2Stream, bytes: Uint8Array): Promise<void> {
    if (stream.destroyed || stream.closed) return;
    if (!stream.write(bytes)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          stream.off('drain', done);
          stream.off('close', done);
          resolve();
        };
        stream.on('drain', done);
        stream.on('close', done);
      });
    }
  }

  async function writeSplit(stream: ServerHttp2Stream, bytes: Uint8Array, pieces: number): Promise<void> {
    const size = Math.max(1, Math.ceil(bytes.length / pieces));
    for (let at = 0; at < bytes.length; at += size) {
      await write(stream, bytes.subarray(at, at + size));
      // A pause so each piece leaves in its own DATA frame.
      await sleep(5);
    }
  }

  async function finish(stream: ServerHttp2Stream, how: SubscriptionEnd): Promise<void> {
    if (stream.destroyed || stream.closed) return;
    // Let what was written reach the client before the stream is cut.
    if (how === 'reset' || how === 'drop') await sleep(50);
    if (stream.destroyed || stream.closed) return;
    if (how === 'end') stream.end();
    else if (how === 'reset') stream.close(constants.NGHTTP2_INTERNAL_ERROR);
    else if (how === 'drop') stream.session?.destroy();
  }

  async function playSteps(stream: ServerHttp2Stream, steps: readonly SubscribeStep[]): Promise<void> {
    for (const step of steps) {
      if (stream.destroyed || stream.closed) return;
      switch (step.kind) {
        case 'pause':
          await sleep(step.ms);
          break;
        case 'exception':
          await write(stream, exceptionMessage(step.type, step.message ?? `${step.type} (scripted)`));
          break;
        case 'corrupt-event':
          await write(
            stream,
            corruptMessageCrc(
              shardEventMessage({ Records: [], ContinuationSequenceNumber: step.continuation, MillisBehindLatest: 0 }),
            ),
          );
          break;
        case 'event': {
          const event: WireShardEvent = {
            Records: (step.records ?? []).map(wireRecord),
            ContinuationSequenceNumber: step.continuation,
            MillisBehindLatest: step.millisBehindLatest ?? 0,
            ...(step.childShards ? { ChildShards: step.childShards } : {}),
          };
          const bytes = shardEventMessage(event);
          if ((step.splitInto ?? 1) > 1) await writeSplit(stream, bytes, step.splitInto ?? 1);
          else await write(stream, bytes);
          eventsWritten++;
          break;
        }
      }
    }
  }

  async function playLive(
    stream: ServerHttp2Stream,
    call: SubscribeCall,
    signing: Signing,
    script: Extract<SubscribeScript, { kind: 'live' }>,
  ): Promise<SubscriptionEnd> {
    const streamArn = streamArnOfConsumer(call.consumerArn);
    const position = call.startingPosition;
    const iteratorInput: Record<string, unknown> = {
      StreamARN: streamArn,
      ShardId: call.shardId,
      ShardIteratorType: position.Type,
    };
    if (position.SequenceNumber !== undefined) iteratorInput.StartingSequenceNumber = position.SequenceNumber;
    if (position.Timestamp !== undefined) iteratorInput.Timestamp = position.Timestamp;
    let iterator = ((await kinesisCall('GetShardIterator', iteratorInput, signing)) as { ShardIterator?: string })
      .ShardIterator;
    let continuation: string | null = position.SequenceNumber ?? null;
    if (continuation === null) {
      // No record read yet: continue from the shard's first sequence number (AWS gives one too).
      const shards = (await kinesisCall('ListShards', { StreamARN: streamArn }, signing)) as {
        Shards?: { ShardId: string; SequenceNumberRange?: { StartingSequenceNumber?: string } }[];
      };
      continuation =
        shards.Shards?.find((shard) => shard.ShardId === call.shardId)?.SequenceNumberRange?.StartingSequenceNumber ??
        null;
    }
    const endAt = Date.now() + (script.endAfterMs ?? 300_000);
    const heartbeatMs = script.heartbeatMs ?? 5000;
    let lastSent = Date.now();
    while (!stream.destroyed && !stream.closed && !closed) {
      if (Date.now() >= endAt) return script.end ?? 'end';
      if (iterator === undefined) return 'end';
      const page = (await kinesisCall('GetRecords', { StreamARN: streamArn, ShardIterator: iterator }, signing)) as {
        Records?: WireRecord[];
        NextShardIterator?: string | null;
        MillisBehindLatest?: number;
        ChildShards?: WireChildShard[];
      };
      const records = page.Records ?? [];
      const last = records[records.length - 1];
      if (last !== undefined) continuation = last.SequenceNumber;
      iterator = page.NextShardIterator ?? undefined;
      const shardEnded = iterator === undefined;
      if (records.length > 0 || shardEnded || Date.now() - lastSent >= heartbeatMs) {
        const writingAt = Date.now();
        await write(
          stream,
          shardEventMessage({
            Records: records,
            ContinuationSequenceNumber: shardEnded ? null : continuation,
            MillisBehindLatest: page.MillisBehindLatest ?? 0,
            ...(shardEnded ? { ChildShards: page.ChildShards ?? [] } : {}),
          }),
        );
        eventsWritten++;
        options.onEventWritten?.({
          call,
          records: records.length,
          firstSequenceNumber: records[0]?.SequenceNumber,
          lastSequenceNumber: last?.SequenceNumber,
          writingAt,
        });
        lastSent = Date.now();
      }
      if (shardEnded) return 'end';
      if (records.length === 0) await sleep(pollMs);
    }
    return 'end';
  }

  /** Where a generated shard's reading starts (index of its first record to send), from the call's starting position. */
  function generatedStart(position: SubscribeCall['startingPosition'], total: number): number {
    const at = (sequence: string | undefined, after: number) => {
      if (sequence === undefined || !/^\d+$/.test(sequence)) return 0;
      const index = Number(BigInt(sequence) - GENERATED_SEQUENCE_BASE - 1n) + after;
      return Math.min(total, Math.max(0, index));
    };
    switch (position.Type) {
      case 'LATEST':
        return total;
      case 'AT_SEQUENCE_NUMBER':
        return at(position.SequenceNumber, 0);
      case 'AFTER_SEQUENCE_NUMBER':
        return at(position.SequenceNumber, 1);
      default:
        return 0;
    }
  }

  async function playGenerated(stream: ServerHttp2Stream, call: SubscribeCall, script: GenerateScript) {
    const startedAt = Date.now();
    const total = script.events * script.recordsPerEvent;
    let payload = script.data;
    if (payload === undefined) {
      const size = script.recordBytes ?? 1024;
      payload = JSON.stringify({ pad: 'x'.repeat(Math.max(0, size - 10)) });
    }
    const data = Buffer.from(typeof payload === 'string' ? new TextEncoder().encode(payload) : payload).toString(
      'base64',
    );
    const keys = Math.max(1, script.partitionKeys ?? 16);
    let next = generatedStart(call.startingPosition, total);
    let continuation = (GENERATED_SEQUENCE_BASE + BigInt(next)).toString();
    const open = () => !stream.destroyed && !stream.closed && !closed;
    while (next < total && open()) {
      const count = Math.min(script.recordsPerEvent, total - next);
      // The event's JSON written out by hand: the payload is base64 and every other field plain
      // digits or `key-N` (nothing to escape), and JSON.stringify would scan the payload of every record.
      const head = `{"Data":"${data}","ApproximateArrivalTimestamp":${Date.now() / 1000},"PartitionKey":"key-`;
      let json = '{"Records":[';
      for (let i = 0; i < count; i++) {
        if (i > 0) json += ',';
        json += `${head}${(next + i) % keys}","SequenceNumber":"${generatedSequenceNumber(next + i)}"}`;
      }
      const first = generatedSequenceNumber(next);
      next += count;
      continuation = generatedSequenceNumber(next - 1);
      json += `],"ContinuationSequenceNumber":"${continuation}","MillisBehindLatest":0}`;
      const writingAt = Date.now();
      await write(stream, frameShardEventJson(json));
      eventsWritten++;
      options.onEventWritten?.({
        call,
        records: count,
        firstSequenceNumber: first,
        lastSequenceNumber: continuation,
        writingAt,
      });
    }
    const endAt = startedAt + (script.endAfterMs ?? 300_000);
    const heartbeatMs = script.heartbeatMs ?? 5000;
    while (open()) {
      const wait = Math.min(heartbeatMs, endAt - Date.now());
      if (wait <= 0) return script.end ?? 'end';
      await sleepOrClose(stream, wait);
      if (!open() || Date.now() >= endAt) break;
      const writingAt = Date.now();
      await write(
        stream,
        shardEventMessage({ Records: [], ContinuationSequenceNumber: continuation, MillisBehindLatest: 0 }),
      );
      eventsWritten++;
      options.onEventWritten?.({
        call,
        records: 0,
        firstSequenceNumber: undefined,
        lastSequenceNumber: undefined,
        writingAt,
      });
    }
    return script.end ?? 'end';
  }

  async function subscribe(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, body: Buffer): Promise<void> {
    const input = JSON.parse(body.toString('utf8') || '{}') as {
      ConsumerARN?: string;
      ShardId?: string;
      StartingPosition?: SubscribeCall['startingPosition'];
    };
    const script = queue.shift() ?? options.defaultScript ?? { kind: 'live' };
    const authorization = typeof headers.authorization === 'string' ? headers.authorization : undefined;
    const signing: Signing = {};
    for (const name of SIGNING_HEADERS) {
      const value = headers[name];
      if (typeof value === 'string') signing[name] = value;
    }
    const call: SubscribeCall = {
      consumerArn: input.ConsumerARN ?? '',
      shardId: input.ShardId ?? '',
      startingPosition: input.StartingPosition ?? { Type: 'LATEST' },
      accessKeyId: authorization ? /Credential=([^/,\s]+)\//.exec(authorization)?.[1] : undefined,
      script: script.kind,
    };
    calls.push(call);
    if (script.kind === 'reject') {
      const payload = JSON.stringify({ __type: script.type, message: script.message ?? `${script.type} (scripted)` });
      stream.respond({ ':status': script.status ?? 400, 'content-type': JSON_CONTENT_TYPE });
      stream.end(payload);
      return;
    }
    subscriptionsOpen++;
    stream.once('close', () => subscriptionsOpen--);
    if (!stream.session?.destroyed && stream.session) subscriptionSessions.add(stream.session);
    stream.respond({
      ':status': 200,
      'content-type': 'application/vnd.amazon.eventstream',
      'x-amzn-requestid': `subscribe-${calls.length}`,
    });
    if (script.kind !== 'steps' || script.initialResponse !== false) await write(stream, initialResponseMessage());
    let end: SubscriptionEnd;
    if (script.kind === 'steps') {
      await playSteps(stream, script.steps);
      end = script.end ?? 'end';
    } else if (script.kind === 'generate') {
      end = await playGenerated(stream, call, script);
    } else {
      try {
        end = await playLive(stream, call, signing, script);
      } catch (error) {
        await write(
          stream,
          exceptionMessage('InternalFailureException', `the server could not read: ${describeThrown(error)}`),
        );
        end = 'end';
      }
    }
    await finish(stream, end);
  }

  const server: Http2Server = createServer();
  server.on('session', (session: ServerHttp2Session) => {
    sessions.add(session);
    session.once('close', () => {
      sessions.delete(session);
      subscriptionSessions.delete(session);
    });
    session.on('error', () => {});
  });
  server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
    streamsOpen++;
    stream.once('close', () => streamsOpen--);
    stream.on('error', () => {});
    readAll(stream).then(
      (body) => {
        if (headers['x-amz-target'] === `${TARGET_PREFIX}SubscribeToShard`) {
          subscribe(stream, headers, body).catch(() => stream.close(constants.NGHTTP2_INTERNAL_ERROR));
        } else {
          forward(stream, headers, body);
        }
      },
      () => stream.close(constants.NGHTTP2_INTERNAL_ERROR),
    );
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('subscribe server bound to no TCP port');
  const stats = (): SubscribeServerStats => ({
    sessionsOpen: sessions.size,
    streamsOpen,
    subscriptionsOpen,
    subscriptionSessionsOpen: subscriptionSessions.size,
    forwarded,
    eventsWritten,
  });

  return {
    endpoint: `http://${LOOPBACK}:${address.port}`,
    port: address.port,
    calls,
    enqueue: (...scripts) => {
      queue.push(...scripts);
    },
    discardQueued: () => {
      queue.length = 0;
    },
    stats,
    async waitFor(predicate, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const now = stats();
        if (predicate(now)) return now;
        if (Date.now() > deadline)
          throw new Error(`subscribe server: condition not met in ${timeoutMs} ms (${JSON.stringify(now)})`);
        await sleep(10);
      }
    },
    close() {
      closed = true;
      return new Promise<void>((resolve) => {
        for (const session of sessions) session.destroy();
        if (!server.listening) {
          resolve();
          return;
        }
        server.close(() => resolve());
      });
    },
  };
}
