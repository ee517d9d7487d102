export { BatchFailedError } from './batch-failed-error.js';
export { InvalidEventError } from './invalid-event-error.js';
export { InvalidOptionError } from './invalid-option-error.js';
export { ReducerError, type ReducerErrorCode } from './reducer-error.js';
export { UnexpectedFailureError } from './unexpected-failure-error.js';
export { UnfinishedRecordError } from './unfinished-record-error.js';
