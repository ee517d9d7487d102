// A pino logger (core's createLogger: credentials redacted) that keeps its JSON lines in memory, so
// that the demo can print what a handler logged, as CloudWatch Logs would show it, without log spam.
import { Writable } from 'node:stream';
import { createLogger } from '@streamshare/core';

/** A logger and the lines it wrote, parsed. */
export function captureLogger(level = 'info') {
  const chunks = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      chunks.push(chunk.toString('utf8'));
      callback();
    },
  });
  const logger = createLogger({ level, destination, base: null });
  /** Parsed lines, optionally only those with message `msg`. */
  const lines = (msg) =>
    chunks
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line))
      .filter((line) => msg === undefined || line.msg === msg);
  return { logger, lines };
}
