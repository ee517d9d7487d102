// The health server answers from a thread of its own (http/health-thread.ts): a probe is answered
// while the poller's event loop is blocked, from the last answer the poller sent, and once that
// answer is older than `stalledAfterMs`, with 503 `stalled`. The probes here are sent from a worker
// thread of the test, since this thread's loop is the one blocked.
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { startHttpServer } from '../src/http/server.js';

const servers: { close(): Promise<void> }[] = [];
const workers: Worker[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await Promise.all(workers.splice(0).map((w) => w.terminate()));
});

/** A thread that GETs `url` `delayMs` after it is told to, and posts { status, body, ms }. */
function prober(): {
  probe(url: string, delayMs: number): void;
  result(): Promise<{ status: number; body: string; ms: number }>;
} {
  const worker = new Worker(
    `
    const { parentPort } = require('node:worker_threads');
    const http = require('node:http');
    parentPort.on('message', ({ url, delayMs }) => {
      setTimeout(() => {
        const t = performance.now();
        http.get(url, { agent: false }, (res) => {
          let body = '';
          res.on('data', (c) => { body += c; });
          res.on('end', () => parentPort.postMessage({ status: res.statusCode, body, ms: performance.now() - t }));
        }).on('error', (e) => parentPort.postMessage({ status: 0, body: String(e), ms: performance.now() - t }));
      }, delayMs);
    });`,
    { eval: true },
  );
  workers.push(worker);
  return {
    probe: (url, delayMs) => worker.postMessage({ url, delayMs }),
    result: () => new Promise((resolve) => worker.once('message', resolve)),
  };
}

/** Blocks this thread's event loop for `ms` (a handler that never yields). */
function block(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy
  }
}

describe('the health server thread', () => {
  it('answers /healthz while the poller thread is blocked, from its last answer; past stalledAfterMs, 503 stalled', async () => {
    let metricsCalls = 0;
    const server = await startHttpServer({
      port: 0,
      host: '127.0.0.1',
      status: () => undefined,
      startedAt: () => undefined,
      metrics: async () => {
        metricsCalls++;
        return 'x 1\n';
      },
      metricsContentType: 'text/plain',
      healthAnswerTimeoutMs: 25,
      stalledAfterMs: 1_500,
    });
    servers.push(server);
    const url = `http://127.0.0.1:${server.port}`;
    const probe = prober();

    // The loop free: the poller's own answer (not started yet: 503 starting).
    probe.probe(`${url}/healthz`, 0);
    const free = await probe.result();
    expect(free.status).toBe(503);
    expect(JSON.parse(free.body).status).toBe('starting');

    // The loop blocked for 800 ms, probed 300 ms into it: the last answer, at once.
    await new Promise((resolve) => setTimeout(resolve, 300));
    let answered = probe.result();
    probe.probe(`${url}/healthz`, 300);
    block(800);
    const blocked = await answered;
    expect(JSON.parse(blocked.body).status).toBe('starting');
    expect(blocked.ms).toBeLessThan(400);

    // Blocked for 3 s, probed 2 s into it: the last answer is older than 1.5 s: stalled.
    await new Promise((resolve) => setTimeout(resolve, 300));
    answered = probe.result();
    probe.probe(`${url}/healthz`, 2_000);
    block(3_000);
    const stalled = await answered;
    expect(stalled.status).toBe(503);
    expect(JSON.parse(stalled.body)).toMatchObject({ status: 'stalled' });
    expect(JSON.parse(stalled.body).reason).toMatch(/has not answered for \d+ ms \(more than 1500 ms\)/);
    expect(stalled.ms).toBeLessThan(400);

    // The loop free again: its own answer; /metrics is the poller's text.
    await new Promise((resolve) => setTimeout(resolve, 300));
    probe.probe(`${url}/healthz`, 0);
    expect(JSON.parse((await probe.result()).body).status).toBe('starting');
    probe.probe(`${url}/metrics`, 0);
    expect(await probe.result()).toMatchObject({ status: 200, body: 'x 1\n' });
    expect(metricsCalls).toBe(1);
  });

  it('a port in use rejects with its code, and leaves no thread running', async () => {
    const first = await startHttpServer({
      port: 0,
      host: '127.0.0.1',
      status: () => undefined,
      startedAt: () => undefined,
      metrics: async () => '',
      metricsContentType: 'text/plain',
    });
    servers.push(first);
    await expect(
      startHttpServer({
        port: first.port,
        host: '127.0.0.1',
        status: () => undefined,
        startedAt: () => undefined,
        metrics: async () => '',
        metricsContentType: 'text/plain',
      }),
    ).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});
