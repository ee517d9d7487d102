import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorFromThrown } from '@streamshare/core/internal';
import type { Logger } from 'pino';
import type { PollerStatus } from '../poller/options.js';
import { defaultMaxPollAgeMs, HealthAnswers, healthOf } from './health.js';

/** Options of {@link startHttpServer}. */
export interface HttpServerOptions {
  /** Port (0 picks a free one). */
  readonly port: number;
  /** Address to bind. Default `0.0.0.0` (container probes and scrapers come from outside). */
  readonly host?: string;
  /** The poller's status, or `undefined` while it is not started yet. */
  readonly status: () => PollerStatus | undefined;
  /** When the poller started (epoch ms), or `undefined` before. */
  readonly startedAt: () => number | undefined;
  /** Bound of a shard's last poll for /healthz. Default {@link defaultMaxPollAgeMs}(1000) = 30 s. */
  readonly maxPollAgeMs?: number;
  /** Prometheus text for /metrics. */
  readonly metrics: () => Promise<string>;
  readonly metricsContentType: string;
  readonly logger?: Logger;
  /** Clock, for tests. */
  readonly now?: () => number;
}

/** A running health and metrics server. */
export interface HttpServer {
  /** The port bound (useful with port 0). */
  readonly port: number;
  readonly host: string;
  /** Stops accepting connections and closes idle ones. */
  close(): Promise<void>;
}

function send(res: ServerResponse, code: number, type: string, body: string): void {
  res.writeHead(code, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

/**
 * A small node:http server for containers: `GET /healthz` (200 `{status:'ok', shards}` while every
 * owned shard was polled recently, 503 otherwise; an answer about 100 shards or more is reused for
 * 1 s, see HealthAnswers) and `GET /metrics` (Prometheus text). Anything else is 404; methods other
 * than GET/HEAD are 405.
 */
export async function startHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const host = options.host ?? '0.0.0.0';
  const now = options.now ?? Date.now;
  const maxPollAgeMs = options.maxPollAgeMs ?? defaultMaxPollAgeMs(1000);
  const answers = new HealthAnswers();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
      return;
    }
    if (path === '/healthz') {
      const startedAt = options.startedAt();
      const at = now();
      const answer = answers.get(at, startedAt, () =>
        healthOf({
          status: startedAt === undefined ? undefined : options.status(),
          now: at,
          startedAt: startedAt ?? at,
          maxPollAgeMs,
        }),
      );
      send(res, answer.statusCode, 'application/json', answer.text);
      return;
    }
    if (path === '/metrics') {
      send(res, 200, options.metricsContentType, await options.metrics());
      return;
    }
    send(res, 404, 'text/plain; charset=utf-8', 'not found: try /healthz or /metrics\n');
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      options.logger?.error({ err: errorFromThrown(error), url: req.url }, 'http request failed');
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    port: address.port,
    host,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
