/**
 * @streamshare/core/internal: helpers shared by the streamshare packages (the poller, the Lambda
 * adapter, the EventBridge bridge). Not part of the public API: no semver promise, may change in
 * any release. Users import from `@streamshare/core`.
 * @packageDocumentation
 */

export {
  type ArnFields,
  arnAccount,
  arnAccountId,
  arnRegion,
  type ConsumerArnParts,
  formatConsumerArn,
  formatRoleArn,
  formatStreamArn,
  type InvalidArnCode,
  InvalidArnError,
  isAccountId,
  isRegion,
  parseConsumerArn,
  parseRoleArn,
  parseStreamArn,
  type RoleArnParts,
  roleArnOfSession,
  type StreamArnParts,
  splitArn,
} from './aws/arn.js';
export {
  type AwsErrorKind,
  type ClassifiedAwsError,
  classifyAwsError,
  describeAwsError,
} from './aws/classify-aws-error.js';
export {
  type BackoffOptions,
  backoffDelay,
  type RetryCallOptions,
  type RetryVerdict,
  retryCall,
  sleep,
} from './aws/retry-policy.js';
export { isBatchHandler } from './batch/batch-handler.js';
// The record path's own names, for the packages' transports (users call processBatch, kinesisRecords).
export type {
  BatchHandlerOptions,
  BatchHandlerResult,
  BatchInput,
  KinesisRecords,
  LambdaRecords,
  RecordEvent,
  RejectedRecord,
} from './batch/types.js';
export { compareCheckpoints, describeCheckpoint, validateCheckpoint } from './checkpoint/compare.js';
export { type DirectoryLockInfo, readDirectoryLock } from './checkpoint/lock-holder.js';
export {
  type ReplaceStep,
  type ReplaceStreamFilesOptions,
  replaceStreamFiles,
} from './checkpoint/replace-stream.js';
export { resolveCodec } from './codec/resolve-codec.js';
export { ENVELOPE_TYPE, fromEnvelope, toEnvelope, toEnvelopeJson } from './envelope/envelope.js';
export { jsonNestsDeeperThan, MAX_INLINED_JSON_DEPTH } from './envelope/json-depth.js';
export { stringifyJson, toJsonText } from './envelope/json-stringify.js';
export { describeRecord, identityOf } from './errors/record-errors.js';
export { isRetryable } from './errors/streamshare-error.js';
export { describeThrown, errorFromThrown, readThrownProperty } from './errors/thrown.js';
export { isAggregated } from './expand/kpl.js';
export { unitsOf } from './expand/units.js';
export { toLambdaKinesisEvent } from './lambda-format/lambda-event.js';
export { isKinesisLambdaHandler } from './lambda-format/marker.js';
export { fromKinesisRecord, type KinesisSdkRecord, type ShardOrigin } from './normalize/kinesis-record.js';
export {
  fromLambdaRecord,
  type LambdaKinesisEvent,
  type LambdaKinesisPayload,
  type LambdaKinesisRecord,
} from './normalize/lambda-record.js';
export { compareSequenceNumbers } from './record/sequence.js';
export { lambdaRecords } from './source/lambda-source.js';
export { type BatchRecords, recordSource } from './source/open-source.js';
export { fromKinesisRecords, payloadBytes } from './source/page-source.js';
export type { RecordSource } from './source/record-source.js';
