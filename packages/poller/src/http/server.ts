import { Worker } from 'node:worker_threads';
import { errorFromThrown } from '@streamshare/core/internal';
import type { Logger } from 'pino';
import type { PollerStatus } from '../poller/options.js';
import { defaultMaxPollAgeMs, HealthAnswers, healthOf } from './health.js';
import {
  type FromHealthThread,
  HEALTH_THREAD_SOURCE,
  type HealthThreadData,
  type ThreadAnswer,
  type ToHealthThread,
} from './health-thread.js';

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
  /**
   * How long `/healthz` waits for the poller's own answer (its event loop may be busy) before it
   * answers with the last one the poller sent (at most 250 ms old while the loop turns). Default 25 ms.
   */
  readonly healthAnswerTimeoutMs?: number;
  /**
   * When the poller's last answer is older than this, its event loop is stuck (a handler that never
   * yields): `/healthz` says 503 `stalled`. Default 10 000 ms.
   */
  readonly stalledAfterMs?: number;
}

/** A running health and metrics server. */
export interface HttpServer {
  /** The port bound (useful with port 0). */
  readonly port: number;
  readonly host: string;
  /** Stops accepting connections, closes idle ones, and ends the server's thread. */
  close(): Promise<void>;
}

/** Default {@link HttpServerOptions.healthAnswerTimeoutMs}. */
export const DEFAULT_HEALTH_ANSWER_TIMEOUT_MS = 25;
/** Default {@link HttpServerOptions.stalledAfterMs}. */
export const DEFAULT_STALLED_AFTER_MS = 10_000;
/** How often the poller's thread sends its /healthz answer to the health thread. */
const HEALTH_PUSH_MS = 250;

/**
 * A small node:http server for containers: `GET /healthz` (200 `{status:'ok', shards}` while every
 * owned shard was polled recently, 503 otherwise; an answer about 100 shards or more is reused for
 * 1 s, see HealthAnswers) and `GET /metrics` (Prometheus text). Anything else is 404; methods other
 * than GET/HEAD are 405.
 *
 * The server runs in a worker thread of its own (health-thread.ts), so that a probe is answered
 * while the poller's event loop is busy (a thousand shards draining): `/healthz` is the poller's own
 * answer when its loop gives it within `healthAnswerTimeoutMs`, else the last answer it sent (it
 * sends one every 250 ms); when that is older than `stalledAfterMs`, the loop is stuck and
 * `/healthz` says 503 `stalled`. `/metrics` waits for the poller's loop.
 */
export async function startHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const host = options.host ?? '0.0.0.0';
  const now = options.now ?? Date.now;
  const maxPollAgeMs = options.maxPollAgeMs ?? defaultMaxPollAgeMs(1000);
  const answers = new HealthAnswers();
  const health = (): ThreadAnswer => {
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
    return { statusCode: answer.statusCode, contentType: 'application/json', text: answer.text };
  };
  const metrics = async (): Promise<ThreadAnswer> => {
    try {
      return { statusCode: 200, contentType: options.metricsContentType, text: await options.metrics() };
    } catch (error) {
      options.logger?.error({ err: errorFromThrown(error), url: '/metrics' }, 'http request failed');
      return { statusCode: 500, contentType: 'text/plain; charset=utf-8', text: 'internal error\n' };
    }
  };

  const data: HealthThreadData = {
    port: options.port,
    host,
    askTimeoutMs: options.healthAnswerTimeoutMs ?? DEFAULT_HEALTH_ANSWER_TIMEOUT_MS,
    stalledAfterMs: options.stalledAfterMs ?? DEFAULT_STALLED_AFTER_MS,
  };
  const worker = new Worker(HEALTH_THREAD_SOURCE, { eval: true, workerData: data });
  const post = (message: ToHealthThread) => worker.postMessage(message);
  let closed: (() => void) | undefined;
  /** Set once the thread ended (closed, or failed): close() then has nothing to wait for. */
  let exited = false;
  worker.once('exit', () => {
    exited = true;
    closed?.();
  });
  const listening = new Promise<number>((resolve, reject) => {
    worker.on('message', (message: FromHealthThread) => {
      switch (message.type) {
        case 'listening':
          resolve(message.port);
          return;
        case 'listen-failed':
          reject(Object.assign(new Error(message.message), { code: message.code }));
          return;
        case 'ask':
          if (message.path === '/healthz') post({ type: 'answer', id: message.id, answer: health() });
          else void metrics().then((answer) => post({ type: 'answer', id: message.id, answer }));
          return;
        case 'closed':
          closed?.();
          return;
      }
    });
    worker.once('error', (error) => {
      options.logger?.error({ err: errorFromThrown(error) }, 'the health server thread failed');
      reject(error);
    });
  });
  let port: number;
  try {
    port = await listening;
  } catch (error) {
    await worker.terminate();
    throw error;
  }
  const push = setInterval(() => post({ type: 'health', answer: health() }), HEALTH_PUSH_MS);
  push.unref();
  post({ type: 'health', answer: health() });
  return {
    port,
    host,
    close: async () => {
      clearInterval(push);
      if (!exited) {
        await new Promise<void>((resolve) => {
          closed = resolve;
          post({ type: 'close' });
        });
      }
      await worker.terminate();
    },
  };
}
