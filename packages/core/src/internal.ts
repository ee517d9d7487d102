/**
 * @streamshare/core/internal: helpers shared by the streamshare packages (the poller, the Lambda
 * adapter, the EventBridge bridge). Not part of the public API: no semver promise, may change in
 * any release. Users import from `@streamshare/core`.
 * @packageDocumentation
 */

export { jsonNestsDeeperThan, MAX_INLINED_JSON_DEPTH } from './envelope/json-depth.js';
export { stringifyJson, toJsonText } from './envelope/json-stringify.js';
export { unitsOf } from './expand/units.js';
export { type BatchRecords, recordSource } from './source/open-source.js';
export { fromKinesisRecords, payloadBytes } from './source/page-source.js';
export type { RecordSource } from './source/record-source.js';
