/**
 * The health thread: the node:http server of `/healthz` and `/metrics`, run in a worker thread of
 * its own (see startHttpServer), so that a probe is answered while the poller's event loop is busy
 * with a thousand shards' pages.
 *
 * {@link healthThreadMain} runs in the worker, from its source text (`toString()`): it must stay
 * self-contained (Node's modules through `process.getBuiltinModule`, nothing of this module).
 * @internal
 */

/** What the worker is started with. */
export interface HealthThreadData {
  readonly port: number;
  readonly host: string;
  /** How long a /healthz waits for the poller's own answer before it uses the last one it was sent. */
  readonly askTimeoutMs: number;
  /** The age of that last answer past which /healthz says 503 `stalled` (the poller's event loop is stuck). */
  readonly stalledAfterMs: number;
}

/** An answer of the poller's thread to the health thread. */
export interface ThreadAnswer {
  readonly statusCode: number;
  readonly contentType: string;
  readonly text: string;
}

/** Messages from the poller's thread to the health thread. */
export type ToHealthThread =
  | { readonly type: 'answer'; readonly id: number; readonly answer: ThreadAnswer }
  /** The poller's current /healthz answer, sent every few hundred ms. */
  | { readonly type: 'health'; readonly answer: ThreadAnswer }
  | { readonly type: 'close' };

/** Messages from the health thread to the poller's thread. */
export type FromHealthThread =
  | { readonly type: 'listening'; readonly port: number }
  | { readonly type: 'listen-failed'; readonly code: string | undefined; readonly message: string }
  | { readonly type: 'ask'; readonly id: number; readonly path: '/healthz' | '/metrics' }
  | { readonly type: 'closed' };

/**
 * The health thread's code: listens, answers `/healthz` with the poller's own answer when its event
 * loop gives it within `askTimeoutMs`, else with the last answer it was sent (while younger than
 * `stalledAfterMs`; older: 503 `stalled`), and `/metrics` with the poller's text (however long it
 * takes). Anything else 404, methods other than GET/HEAD 405.
 */
export function healthThreadMain(): void {
  const http = process.getBuiltinModule('node:http');
  const { parentPort, workerData } = process.getBuiltinModule('node:worker_threads');
  if (parentPort === null) return;
  const port = parentPort;
  const data = workerData as HealthThreadData;
  let last: { answer: ThreadAnswer; at: number } | undefined;
  const waiting = new Map<number, (answer: ThreadAnswer | undefined) => void>();
  let nextId = 1;

  const ask = (path: '/healthz' | '/metrics', timeoutMs: number | undefined): Promise<ThreadAnswer | undefined> =>
    new Promise((resolve) => {
      const id = nextId++;
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              waiting.delete(id);
              resolve(undefined);
            }, timeoutMs);
      waiting.set(id, (answer) => {
        clearTimeout(timer);
        waiting.delete(id);
        resolve(answer);
      });
      port.postMessage({ type: 'ask', id, path } satisfies FromHealthThread);
    });

  const send = (res: import('node:http').ServerResponse, code: number, type: string, body: string): void => {
    res.writeHead(code, { 'content-type': type, 'cache-control': 'no-store' });
    res.end(body);
  };

  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
      return;
    }
    if (path === '/healthz') {
      void ask('/healthz', data.askTimeoutMs).then((fresh) => {
        if (fresh !== undefined) {
          last = { answer: fresh, at: Date.now() };
          send(res, fresh.statusCode, fresh.contentType, fresh.text);
          return;
        }
        const age = last === undefined ? Number.POSITIVE_INFINITY : Date.now() - last.at;
        if (last !== undefined && age <= data.stalledAfterMs) {
          send(res, last.answer.statusCode, last.answer.contentType, last.answer.text);
          return;
        }
        const reason =
          last === undefined
            ? `the poller's event loop has not answered since the health server started`
            : `the poller's event loop has not answered for ${Math.round(age)} ms (more than ${data.stalledAfterMs} ms)`;
        send(res, 503, 'application/json', JSON.stringify({ status: 'stalled', reason, shards: [] }));
      });
      return;
    }
    if (path === '/metrics') {
      void ask('/metrics', undefined).then((answer) => {
        if (answer === undefined) send(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
        else send(res, answer.statusCode, answer.contentType, answer.text);
      });
      return;
    }
    send(res, 404, 'text/plain; charset=utf-8', 'not found: try /healthz or /metrics\n');
  });
  server.keepAliveTimeout = 5_000;

  port.on('message', (message: ToHealthThread) => {
    if (message.type === 'answer') waiting.get(message.id)?.(message.answer);
    else if (message.type === 'health') last = { answer: message.answer, at: Date.now() };
    else if (message.type === 'close') {
      server.close(() => port.postMessage({ type: 'closed' } satisfies FromHealthThread));
      server.closeIdleConnections();
    }
  });
  server.once('error', (error: NodeJS.ErrnoException) => {
    port.postMessage({ type: 'listen-failed', code: error.code, message: error.message } satisfies FromHealthThread);
  });
  server.listen(data.port, data.host, () => {
    const address = server.address();
    port.postMessage({
      type: 'listening',
      port: typeof address === 'object' && address !== null ? address.port : data.port,
    } satisfies FromHealthThread);
  });
}

/** The health thread's source, for `new Worker(source, { eval: true })`. */
export const HEALTH_THREAD_SOURCE = `(${healthThreadMain.toString()})();`;
