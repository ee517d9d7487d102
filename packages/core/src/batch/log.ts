import type { Logger } from 'pino';
import { describeThrown } from '../errors/thrown.js';

/** The levels processBatch logs at. */
type Level = 'debug' | 'warn' | 'error';

/** Fields whose values may be thrown values of any kind (handler errors and their causes). */
const THROWN_FIELDS = ['err', 'cause'] as const;

/**
 * Logs a line without ever throwing. A thrown value in `err` or `cause` may break the logger
 * (pino's error serializer reads `message` and walks `cause`: a throwing getter or a Proxy makes it
 * throw); then the line is logged again with those values as text, and if that fails too it is
 * dropped. A log line must never fail a record or reject processBatch.
 */
export function logSafely(logger: Logger, level: Level, fields: Record<string, unknown>, message: string): void {
  try {
    logger[level](fields, message);
    return;
  } catch {
    // fall through: log the thrown values as text
  }
  try {
    const plain: Record<string, unknown> = { ...fields };
    for (const key of THROWN_FIELDS) {
      if (key in plain) plain[key] = describeThrown(plain[key]);
    }
    logger[level](plain, message);
  } catch {
    // a logger that throws on plain text: nothing more to do
  }
}
