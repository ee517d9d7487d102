/**
 * @streamshare/core/internal: helpers shared by the streamshare packages (the poller, the Lambda
 * adapter, the EventBridge bridge). Not part of the public API: no semver promise, may change in
 * any release. Users import from `@streamshare/core`.
 * @packageDocumentation
 */

export {
  type ArnFields,
  arnAccount,
  arnRegion,
  type ConsumerArnParts,
  formatConsumerArn,
  formatRoleArn,
  formatStreamArn,
  type InvalidArnCode,
  InvalidArnError,
  InvalidStreamArnError,
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
export { compareCheckpoints, describeCheckpoint, validateCheckpoint } from './checkpoint/compare.js';
export { resolveCodec } from './codec/resolve-codec.js';
export { ENVELOPE_TYPE, fromEnvelope, toEnvelope, toEnvelopeJson } from './envelope/envelope.js';
export { jsonNestsDeeperThan, MAX_INLINED_JSON_DEPTH } from './envelope/json-depth.js';
export { stringifyJson, toJsonText } from './envelope/json-stringify.js';
export { describeRecord, identityOf } from './errors/record-errors.js';
export { isRetryable } from './errors/streamshare-error.js';
export { describeThrown, errorFromThrown, readThrownProperty } from './errors/thrown.js';
export { toLambdaKinesisEvent } from './lambda-format/lambda-event.js';
export { isKinesisLambdaHandler } from './lambda-format/marker.js';
