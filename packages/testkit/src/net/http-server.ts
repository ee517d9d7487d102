import type { IncomingMessage, Server } from 'node:http';
import { LOOPBACK } from './free-port.js';

/** Listens on a free loopback port and resolves with the endpoint, e.g. `http://127.0.0.1:41234`. */
export function listenOnLoopback(server: Server, port = 0): Promise<{ endpoint: string; port: number }> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, LOOPBACK, () => {
      server.off('error', reject);
      const address = server.address();
      if (address === null || typeof address === 'string') {
        reject(new Error('server bound to no TCP port'));
        return;
      }
      resolve({ endpoint: `http://${LOOPBACK}:${address.port}`, port: address.port });
    });
  });
}

/** Closes a server and every connection it holds (idle keep-alive ones too). Idempotent. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** Reads a request body to the end. */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * The access key id of a SigV4-signed request (from `Authorization: AWS4-HMAC-SHA256 Credential=<id>/...`
 * or the `X-Amz-Credential` query parameter), or undefined.
 */
export function accessKeyIdOf(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  const fromHeader = typeof auth === 'string' ? /Credential=([^/,\s]+)\//.exec(auth)?.[1] : undefined;
  if (fromHeader) return fromHeader;
  const query = new URL(req.url ?? '/', 'http://x').searchParams.get('X-Amz-Credential');
  return query?.split('/')[0] || undefined;
}

/** The 12-digit account a request acts as (its access key id when that is an account id), or undefined. */
export function callerAccountOf(req: IncomingMessage): string | undefined {
  const id = accessKeyIdOf(req);
  return id && /^\d{12}$/.test(id) ? id : undefined;
}
