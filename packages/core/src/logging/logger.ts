import pino, { type DestinationStream, type Level, type Logger, type LoggerOptions } from 'pino';

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

/** A pino logger that never writes credentials: see {@link SECRET_PATHS}. */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const envLevel = process.env.LOG_LEVEL;
  const config: LoggerOptions = {
    level: options.level ?? (envLevel && envLevel in pino.levels.values ? envLevel : 'info'),
    redact: { paths: [...SECRET_PATHS, ...(options.redact ?? [])], censor: REDACTED },
  };
  if (options.name !== undefined) config.name = options.name;
  if (options.base !== undefined) config.base = options.base;
  return options.destination === undefined ? pino(config) : pino(config, options.destination);
}

/** A logger that writes nothing (the default of processBatch). */
export const silentLogger: Logger = pino({ level: 'silent' });
