// testkit's SubscribeToShard server (startSubscribeServer) in a child process of its own, so that
// the EFO benchmarks measure the client's process alone (its CPU time, its RSS): the server's
// framing, CRC32s and base64 run beside it, as AWS's would. Talked to over IPC.
//
// Parent: `const server = await startEfoServer({ kinesisEndpoint, defaultScript, pollMs })`, then
// `server.endpoint`, `await server.stats()`, `await server.calls()`, `await server.close()`.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

if (process.argv[2] === 'child') {
  const { startSubscribeServer } = await import('@streamshare/testkit');
  const options = JSON.parse(process.argv[3]);
  const server = await startSubscribeServer(options);
  process.on('message', async (message) => {
    if (message.type === 'stats') process.send({ id: message.id, value: server.stats() });
    else if (message.type === 'calls') process.send({ id: message.id, value: server.calls });
    else if (message.type === 'enqueue') {
      server.enqueue(...message.scripts);
      process.send({ id: message.id, value: true });
    } else if (message.type === 'close') {
      await server.close();
      process.send({ id: message.id, value: true }, () => process.exit(0));
    }
  });
  process.send({ ready: server.endpoint });
}

/** Starts the subscribe server in a child process; `options` as startSubscribeServer's (JSON-able: no hooks). */
export async function startEfoServer(options) {
  const child = fork(fileURLToPath(import.meta.url), ['child', JSON.stringify(options)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map();
  let nextId = 0;
  const endpoint = await new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`subscribe server exited with ${code}`)));
    child.on('message', (message) => {
      if (message.ready) resolve(message.ready);
      else pending.get(message.id)?.(message.value);
    });
  });
  const ask = (type, extra = {}) =>
    new Promise((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      child.send({ type, id, ...extra });
    });
  return {
    endpoint,
    pid: child.pid,
    stats: () => ask('stats'),
    calls: () => ask('calls'),
    enqueue: (...scripts) => ask('enqueue', { scripts }),
    /** CPU time of the server process is not ours to report; closing ends it. */
    async close() {
      child.removeAllListeners('exit');
      await Promise.race([ask('close'), new Promise((r) => setTimeout(r, 3000))]);
      child.kill();
    },
  };
}
