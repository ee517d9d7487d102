/**
 * @streamshare/poller: reads a Kinesis stream of another account (or region) by ARN, with
 * checkpoints or DynamoDB leases, and runs the same handlers as the Lambda adapter.
 *
 * The API for users: `createPoller` with `PollerOptions`, `Poller`, `PollerStatus` and
 * `StartingPosition`; the errors it raises (`PollerError` and its subclasses, `CredentialsError`,
 * `LeaseTableError`); the coordinators (`LocalCoordinator`, `DynamoDbLeaseCoordinator`, the
 * `ShardCoordinator` interface); the client helpers; the policy helpers; the doctor; the health and
 * metrics helpers of the container.
 *
 * Exports tagged `@internal` at their declaration (the pacer, the shard reader, deliveries, positions,
 * shard discovery, lineage, retries and error classification) are the engine's building blocks,
 * exported for the `streamshare` CLI, the tests and the benchmarks; they may change in any release.
 * @packageDocumentation
 */

export { InvalidStreamArnError, parseStreamArn, type StreamArnParts } from './arn/index.js';
export { AbortedError, callWithRetries, type RetryingCallOptions } from './calls/index.js';
export {
  createKinesisClient,
  createStsClient,
  describeKinesisEndpoint,
  type KinesisClientDefaults,
  keepAliveHandler,
} from './clients/index.js';
export { CheckpointDirectoryError, checkCheckpointDirectory } from './coordination/checkpoint-directory.js';
export {
  ancestorsOf,
  parentsOf,
  readyShards,
  startingPositionOf,
  unreadUnderLatest,
} from './coordination/lineage.js';
export {
  describeCheckpointStore,
  isShardEnd,
  LocalCoordinator,
  type LocalCoordinatorOptions,
  SHARD_END_CHECKPOINT,
  SHARD_END_SEQUENCE_NUMBER,
} from './coordination/local-coordinator.js';
export type { ShardCoordinator, ShardDescriptor } from './coordination/shard-coordinator.js';
export {
  type AssumeRoleCredentialProvider,
  type AssumeRoleProviderOptions,
  assumeRoleProvider,
  CredentialsError,
  refreshTime,
} from './credentials/index.js';
export { type DoctorCheck, type DoctorOptions, formatCheck, runDoctor } from './doctor/index.js';
export {
  AccessDeniedError,
  type CallContext,
  type CheckpointFailureKind,
  type CheckpointOperation,
  type ClassifiedError,
  type ConsumerStatement,
  classifyCheckpointFailure,
  classifyKinesisError,
  consumerPolicyStatement,
  type ErrorKind,
  KinesisCallError,
  KmsError,
  PollerError,
  principalFromMessage,
  ShardCheckpointError,
  StartTimeoutError,
  StreamNotFoundError,
} from './errors/index.js';

export {
  defaultMaxPollAgeMs,
  type HealthInput,
  type HealthReport,
  type HttpServer,
  type HttpServerOptions,
  healthOf,
  startHttpServer,
} from './http/index.js';
export {
  DEFAULT_FAILOVER_TIME_MS,
  DynamoDbLeaseCoordinator,
  type DynamoDbLeaseCoordinatorOptions,
  defaultWorkerId,
  LeaseTableError,
} from './leases/index.js';
export { createPollerMetrics, type PollerMetrics, type PollerMetricsOptions, RETRY_ACTIONS } from './metrics/index.js';
export {
  type AccessDeniedExplanation,
  type ArnKind,
  arnKind,
  eventBusPutPolicy,
  explainAccessDenied,
  FAN_OUT_CONSUMER_ACTIONS,
  fanOutConsumerPolicy,
  lintStreamPolicy,
  type PolicyDocument,
  type PolicyFinding,
  type PolicySide,
  type PolicyStatement,
  STREAM_CONSUMER_ACTIONS,
  streamReadPolicy,
} from './policy/index.js';
export { createPoller } from './poller/create-poller.js';
export type {
  AssumeRoleOptions,
  CheckpointFailing,
  CodecNameFor,
  LambdaKinesisHandler,
  LeaseTableOptions,
  MarkedLambdaHandler,
  Poller,
  PollerObserver,
  PollerOptions,
  PollerRecordData,
  PollerStatus,
  ShardStatus,
  StartingPosition,
} from './poller/options.js';
export {
  advance,
  CHECKPOINT_BACKOFF,
  type CheckpointCallFailure,
  type CheckpointCallOptions,
  checkpointCall,
  type Delivery,
  type DeliveryOutcome,
  describePosition,
  iteratorRequest,
  KINESIS_READ_LIMITS,
  lambdaContext,
  lambdaDelivery,
  nextCallAt,
  outcomeOfLambdaResponse,
  Pacer,
  type PacerState,
  type ReaderEnd,
  type ReadLimits,
  type ReadPosition,
  recordDelivery,
  retryPosition,
  type ShardBatch,
  ShardReader,
  type ShardReaderOptions,
} from './reader/index.js';
export {
  type DiscoveryMethod,
  type ListingLimits,
  ShardDiscovery,
  type ShardDiscoveryOptions,
  toShardDescriptor,
} from './shards/index.js';
export { type BackoffOptions, backoffDelay } from './util/backoff.js';
