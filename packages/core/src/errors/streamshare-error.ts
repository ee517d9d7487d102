import { readThrownProperty } from './thrown.js';

/**
 * Base class of every error streamshare raises. `code` is stable and machine-readable;
 * `retryable` tells whether trying the same thing again may succeed.
 */
export class StreamshareError extends Error {
  /** Stable, machine-readable error code, e.g. `DECODE_FAILED`. */
  readonly code: string;
  /** True when the same operation may succeed if tried again. */
  readonly retryable: boolean;

  constructor(code: string, message: string, options: { cause?: unknown; retryable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

/**
 * Throw this from a handler to say the failure is transient: processBatch retries the record in
 * place (with backoff) before applying the poison policy.
 */
export class RetryableError extends StreamshareError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('RETRYABLE', message, { ...options, retryable: true });
  }
}

/** Throw this from a handler to say the failure is permanent: no retry, straight to the poison policy. */
export class FatalError extends StreamshareError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('FATAL', message, { ...options, retryable: false });
  }
}

/** True when `error` says it may succeed if tried again (`retryable: true`). */
export function isRetryable(error: unknown): boolean {
  return readThrownProperty(error, 'retryable') === true;
}
