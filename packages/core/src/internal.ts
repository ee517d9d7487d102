/**
 * @streamshare/core/internal: helpers shared by the streamshare packages (the poller, the Lambda
 * adapter, the EventBridge bridge). Not part of the public API: no semver promise, may change in
 * any release. Users import from `@streamshare/core`.
 * @packageDocumentation
 */

export { describeCheckpoint, validateCheckpoint } from './checkpoint/compare.js';
export { jsonNestsDeeperThan, MAX_INLINED_JSON_DEPTH } from './envelope/json-depth.js';
export { stringifyJson, toJsonText } from './envelope/json-stringify.js';
