export { type CreateLoggerOptions, createLogger, REDACTED, SECRET_PATHS, silentLogger } from './logger.js';
