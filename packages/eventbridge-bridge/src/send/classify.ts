const RETRYABLE_CALL_ERRORS = new Set([
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'InternalException',
  'InternalFailure',
  'InternalServerError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
]);

/**
 * True when a PutEvents call that threw may succeed if sent again: throttling, a 5xx answer, or a
 * network failure (no HTTP answer at all). Validation, access and not-found errors are permanent.
 */
export function isRetryableCallError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { name?: unknown; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  if (e.name === 'AbortError' || error instanceof TypeError || error instanceof RangeError) return false;
  if (typeof e.name === 'string' && RETRYABLE_CALL_ERRORS.has(e.name)) return true;
  if (e.$retryable) return true;
  const status = e.$metadata?.httpStatusCode;
  if (status === undefined) return true; // no answer: connection refused/reset, DNS, socket timeout
  return status >= 500 || status === 429;
}
