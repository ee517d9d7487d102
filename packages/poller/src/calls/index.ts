export { AbortedError, callWithRetries, type RetryingCallOptions } from './call-with-retries.js';
