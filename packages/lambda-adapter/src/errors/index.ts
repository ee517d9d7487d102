export { BatchFailedError } from './batch-failed-error.js';
export { InvalidEventError } from './invalid-event-error.js';
export { InvalidOptionError } from './invalid-option-error.js';
export { ReducerError } from './reducer-error.js';
