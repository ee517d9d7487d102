import { finished, type Readable } from 'node:stream';

/** Whether an HTTP response body is a stream still to be read (the Node handlers' bodies are). */
export function isReadable(body: unknown): body is Readable {
  return (
    typeof body === 'object' &&
    body !== null &&
    typeof (body as Readable).on === 'function' &&
    typeof (body as Readable).read === 'function'
  );
}

/** Reads a response body to its end, as one Uint8Array. */
export function readBody(body: Readable): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    body.on('data', (chunk: Buffer | string) => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      chunks.push(bytes);
      length += bytes.length;
    });
    // Only the body's end: an HTTP/2 stream is also the request's writable side.
    finished(body, { writable: false }, (error) => {
      if (error) reject(error);
      else {
        const all = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, length);
        resolve(new Uint8Array(all.buffer, all.byteOffset, all.byteLength));
      }
    });
  });
}
