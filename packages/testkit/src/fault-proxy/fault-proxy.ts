import { randomUUID } from 'node:crypto';
import { Agent, createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import { arnAccount } from '@streamshare/core/internal';
import { callerAccountOf, closeServer, listenOnLoopback, readBody } from '../net/http-server.js';
import {
  errorAnswer,
  FAULT_KINDS,
  type FaultKind,
  type FaultRule,
  type RequestFacts,
  ruleMatches,
  seededRandom,
} from './faults.js';

/** Options of {@link startFaultProxy}. */
export interface FaultProxyOptions {
  /** The endpoint to forward to, e.g. a kinesis-mock endpoint. */
  readonly target: string;
  /** Initial rules; see {@link FaultProxy.setRules}. Default none (a plain proxy). */
  readonly rules?: readonly FaultRule[];
  /** Seed of the random numbers behind `probability`. Default: a fixed seed (runs are reproducible). */
  readonly seed?: number;
}

/** Counts of a running fault proxy. */
export interface FaultProxyStats {
  /** Requests received. */
  requests: number;
  /** Requests forwarded to the target (including `delay` and `drop-response` ones). */
  forwarded: number;
  /** Requests whose forwarding failed (target unreachable); the client's connection was dropped. */
  upstreamErrors: number;
  /** Faults injected, by kind. */
  readonly injected: Record<FaultKind, number>;
  /** Per operation name: requests and faults injected. */
  readonly byAction: Record<string, { requests: number; injected: number }>;
}

/** A running fault proxy, from {@link startFaultProxy}. */
export interface FaultProxy {
  /** The proxy's endpoint, to give to SDK clients instead of the target's. */
  readonly endpoint: string;
  /** Live counters. */
  readonly stats: FaultProxyStats;
  /** Replaces the rules (and their fire/skip counters). An empty list makes the proxy transparent. */
  setRules(rules: readonly FaultRule[]): void;
  /** Sets every counter of {@link FaultProxy.stats} back to zero. */
  resetStats(): void;
  /** Stops the proxy and closes its connections. */
  stop(): Promise<void>;
}

interface ArmedRule {
  readonly rule: FaultRule;
  seen: number;
  fired: number;
}

type Forward = (
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
  dropAnswer: boolean,
  rewrite?: (answer: Buffer, status: number) => Buffer,
) => void;

/**
 * Forwards a PutRecords call without some of its entries and answers as Kinesis does for
 * entries it could not take: `{ ErrorCode, ErrorMessage }` in their slots and FailedRecordCount.
 */
function failSomeEntries(
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
  rule: FaultRule,
  random: () => number,
  forward: Forward,
): void {
  let request: { Records?: unknown[]; StreamARN?: string; StreamName?: string };
  try {
    request = JSON.parse(body.toString('utf8'));
  } catch {
    forward(req, res, body, false);
    return;
  }
  if (!Array.isArray(request.Records) || request.Records.length === 0) {
    forward(req, res, body, false);
    return;
  }
  const entries = request.Records;
  const rate = rule.entryFailureRate ?? 0.5;
  const failed = entries.map(() => random() < rate);
  if (entries.length > 0 && !failed.includes(true)) failed[Math.floor(random() * entries.length)] = true;
  const kept = entries.filter((_, i) => !failed[i]);
  const stream = request.StreamARN ?? request.StreamName ?? 'unknown';
  const account = arnAccount(request.StreamARN) ?? 'unknown';
  const failure = {
    ErrorCode: 'ProvisionedThroughputExceededException',
    ErrorMessage:
      rule.message ?? `Rate exceeded for shard in stream ${stream.split('/').pop()} under account ${account}.`,
  };
  const merge = (answer: Buffer, status: number): Buffer => {
    if (status !== 200) return answer;
    const upstream = kept.length > 0 ? (JSON.parse(answer.toString('utf8')) as { Records?: unknown[] }) : {};
    const results = [...(upstream.Records ?? [])];
    const merged = failed.map((isFailed) => (isFailed ? failure : results.shift()));
    const failedCount = merged.filter((r) => (r as { ErrorCode?: string }).ErrorCode).length;
    return Buffer.from(JSON.stringify({ ...upstream, FailedRecordCount: failedCount, Records: merged }));
  };
  if (kept.length === 0) {
    const payload = merge(Buffer.from('{}'), 200);
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'content-length': String(payload.length) });
    res.end(payload);
    return;
  }
  forward(req, res, Buffer.from(JSON.stringify({ ...request, Records: kept })), false, merge);
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'upgrade']);

function emptyStats(): FaultProxyStats {
  return {
    requests: 0,
    forwarded: 0,
    upstreamErrors: 0,
    injected: Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>,
    byAction: {},
  };
}

function factsOf(req: IncomingMessage, body: Buffer, action: string, service: string): RequestFacts {
  let parsed: Record<string, unknown> = {};
  try {
    const value: unknown = JSON.parse(body.toString('utf8') || '{}');
    if (value && typeof value === 'object') parsed = value as Record<string, unknown>;
  } catch {
    // not JSON: no stream facts
  }
  const account = callerAccountOf(req);
  const region = /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(req.headers.authorization ?? '')?.[1] ?? 'us-east-1';
  const str = (key: string) => (typeof parsed[key] === 'string' ? (parsed[key] as string) : undefined);
  const streamName = str('StreamName');
  const streamArn =
    str('StreamARN') ??
    str('ResourceARN') ??
    (streamName ? `arn:aws:kinesis:${region}:${account ?? '000000000000'}:stream/${streamName}` : undefined);
  return { action, service, streamArn, shardId: str('ShardId'), account };
}

/**
 * Starts a loopback HTTP proxy in front of `target` (kinesis-mock, dynalite, any AWS JSON
 * endpoint) that injects faults per X-Amz-Target action, by probability or count: throttling,
 * LimitExceeded, ExpiredIterator and AccessDenied answers as AWS words them, 500/503, dropped
 * connections before or after the target saw the request, and delays. Requests no rule fires on
 * are forwarded unchanged (HTTP/1.1 keep-alive).
 *
 * @example
 * ```ts
 * const proxy = await startFaultProxy({
 *   target: mock.endpoint,
 *   rules: [{ actions: 'GetRecords', fault: 'throttle', probability: 0.3 },
 *           { actions: 'GetRecords', fault: 'expired-iterator', count: 2, skip: 5 }],
 * });
 * const client = kinesisClient({ endpoint: proxy.endpoint, account: CONSUMER_ACCOUNT });
 * ```
 */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const random = seededRandom(options.seed ?? 0x5eed);
  let armed: ArmedRule[] = [];
  const stats = emptyStats();
  const setRules = (rules: readonly FaultRule[]) => {
    armed = rules.map((rule) => ({ rule, seen: 0, fired: 0 }));
  };
  setRules(options.rules ?? []);

  const choose = (action: string, targetHeader: string): FaultRule | undefined => {
    for (const entry of armed) {
      if (!ruleMatches(entry.rule, action, targetHeader)) continue;
      entry.seen++;
      if (entry.seen <= (entry.rule.skip ?? 0)) continue;
      if (entry.rule.count !== undefined && entry.fired >= entry.rule.count) continue;
      if (random() >= (entry.rule.probability ?? 1)) continue;
      entry.fired++;
      return entry.rule;
    }
    return undefined;
  };

  const forward: Forward = (req, res, body, dropAnswer, rewrite) => {
    stats.forwarded++;
    const headers = { ...req.headers, host: target.host, 'content-length': String(body.length) };
    const upstream = request(
      {
        protocol: target.protocol,
        hostname: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers,
        agent,
      },
      (answer) => {
        if (dropAnswer) {
          answer.resume();
          answer.once('end', () => req.socket.destroy());
          return;
        }
        const out: Record<string, string | string[]> = {};
        for (const [name, value] of Object.entries(answer.headers)) {
          if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
        }
        if (rewrite === undefined) {
          res.writeHead(answer.statusCode ?? 502, out);
          answer.pipe(res);
          return;
        }
        readBody(answer).then(
          (raw) => {
            const status = answer.statusCode ?? 502;
            const payload = rewrite(raw, status);
            delete out['content-length'];
            delete out['x-amz-crc32'];
            res.writeHead(status, { ...out, 'content-length': String(payload.length) });
            res.end(payload);
          },
          () => req.socket.destroy(),
        );
      },
    );
    upstream.on('error', () => {
      stats.upstreamErrors++;
      req.socket.destroy();
    });
    upstream.end(body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    const targetHeader = String(req.headers['x-amz-target'] ?? '');
    const dot = targetHeader.lastIndexOf('.');
    const action = dot >= 0 ? targetHeader.slice(dot + 1) : targetHeader;
    const service = dot >= 0 ? targetHeader.slice(0, dot) : '';
    stats.requests++;
    const key = action || '(none)';
    const perAction = stats.byAction[key] ?? { requests: 0, injected: 0 };
    stats.byAction[key] = perAction;
    perAction.requests++;

    const rule = choose(action, targetHeader);
    if (rule === undefined) {
      forward(req, res, body, false);
      return;
    }
    stats.injected[rule.fault]++;
    perAction.injected++;
    switch (rule.fault) {
      case 'drop':
        req.socket.destroy();
        return;
      case 'drop-response':
        forward(req, res, body, true);
        return;
      case 'delay':
        setTimeout(() => forward(req, res, body, false), rule.delayMs ?? 1000);
        return;
      case 'partial-failure':
        failSomeEntries(req, res, body, rule, random, forward);
        return;
      default: {
        const error = errorAnswer(rule, factsOf(req, body, action, service))!;
        const payload = JSON.stringify({ __type: error.type, message: error.message });
        res.writeHead(error.status, {
          'content-type': 'application/x-amz-json-1.1',
          'content-length': Buffer.byteLength(payload),
          'x-amzn-requestid': randomUUID(),
          'x-amzn-errortype': error.type,
        });
        res.end(payload);
      }
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => req.socket.destroy());
  });
  const { endpoint } = await listenOnLoopback(server);
  return {
    endpoint,
    stats,
    setRules,
    resetStats() {
      const fresh = emptyStats();
      stats.requests = 0;
      stats.forwarded = 0;
      stats.upstreamErrors = 0;
      Object.assign(stats.injected, fresh.injected);
      for (const key of Object.keys(stats.byAction)) delete stats.byAction[key];
    },
    async stop() {
      await closeServer(server);
      agent.destroy();
    },
  };
}
