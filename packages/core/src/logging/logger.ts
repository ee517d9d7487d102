import pino, { type DestinationStream, type Level, type Logger, type LoggerOptions } from 'pino';
import { describeThrown, readThrownProperty } from '../errors/thrown.js';

const SECRET_KEYS = [
  'accessKeyId',
  'secretAccessKey',
  'sessionToken',
  'AccessKeyId',
  'SecretAccessKey',
  'SessionToken',
  'credentials',
  'Credentials',
  'authorization',
  'Authorization',
  'password',
  'secret',
] as const;

/**
 * Pino redaction paths that hide credentials and authorization headers, at the top level and up
 * to two levels deep (`credentials`, `*.secretAccessKey`, `*.*.sessionToken`, `headers.authorization`, ...).
 * Other packages pass these to their own pino loggers.
 */
export const SECRET_PATHS: readonly string[] = Object.freeze([
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((k) => `*.${k}`),
  ...SECRET_KEYS.map((k) => `*.*.${k}`),
  'headers.authorization',
  'headers.Authorization',
  '*.headers.authorization',
  '*.headers["x-amz-security-token"]',
  'headers["x-amz-security-token"]',
]);

/** What replaces a redacted value. */
export const REDACTED = '[REDACTED]';

/** Options of {@link createLogger}. */
export interface CreateLoggerOptions {
  /** Minimum level (default `info`, or `LOG_LEVEL` from the environment). `silent` logs nothing. */
  readonly level?: Level | 'silent';
  /** Logger name, written as `name` on every line. */
  readonly name?: string;
  /** More paths to redact, in pino's path syntax (added to {@link SECRET_PATHS}). */
  readonly redact?: readonly string[];
  /** Fields written on every line (default: pid and hostname, as pino does). */
  readonly base?: Record<string, unknown> | null;
  /** Where lines go (default stdout). */
  readonly destination?: DestinationStream;
}

/**
 * pino's error serializer, made safe for any thrown value: it reads `message`, `stack` and walks
 * `cause`, so an error with a throwing getter, a Proxy or a null-prototype object makes it throw,
 * and with it the log call. Then the value is written as its {@link describeThrown} text instead.
 */
export function serializeThrown(value: unknown): unknown {
  try {
    return pino.stdSerializers.err(value as Error);
  } catch {
    const type = readThrownProperty(value, 'name');
    return { type: typeof type === 'string' ? type : 'Thrown', message: describeThrown(value) };
  }
}

/**
 * A pino logger that never writes credentials (see {@link SECRET_PATHS}) and whose `err` field
 * takes any thrown value without throwing ({@link serializeThrown}).
 */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const envLevel = process.env.LOG_LEVEL;
  const config: LoggerOptions = {
    level: options.level ?? (envLevel && envLevel in pino.levels.values ? envLevel : 'info'),
    redact: { paths: [...SECRET_PATHS, ...(options.redact ?? [])], censor: REDACTED },
    serializers: { err: serializeThrown },
  };
  if (options.name !== undefined) config.name = options.name;
  if (options.base !== undefined) config.base = options.base;
  return options.destination === undefined ? pino(config) : pino(config, options.destination);
}

/** A logger that writes nothing (the default of processBatch). */
export const silentLogger: Logger = pino({ level: 'silent' });
