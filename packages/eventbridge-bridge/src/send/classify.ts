import { classifyAwsError } from '@streamshare/core/internal';

/**
 * True when a PutEvents call that threw may succeed if sent again: throttling, a 5xx answer, or a
 * network failure, including no HTTP answer at all (as core's `classifyAwsError` reads them).
 * Validation, access and not-found errors are permanent, and so are an abort and a programming error.
 */
export function isRetryableCallError(error: unknown): boolean {
  const { kind, retryable } = classifyAwsError(error);
  return retryable || kind === 'no-response';
}
