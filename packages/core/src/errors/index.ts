export {
  AggregateError,
  type AggregateErrorReason,
  CheckpointError,
  DeadlineError,
  DecodeError,
  describeRecord,
  HandlerError,
  InvalidInputError,
  identityOf,
} from './record-errors.js';
export { FatalError, isRetryable, RetryableError, StreamshareError } from './streamshare-error.js';
export { describeThrown, errorFromThrown, readThrownProperty } from './thrown.js';
