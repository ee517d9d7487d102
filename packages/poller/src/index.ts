/**
 * @streamshare/poller: reads a Kinesis stream of another account (or region) by ARN, with
 * checkpoints or DynamoDB leases, and runs the same handlers as the Lambda adapter.
 *
 * The API: `createPoller` with its options and the `Poller` it returns; the errors it raises; the
 * `ShardCoordinator` interface (for a coordinator of your own); the metrics and the health/metrics
 * HTTP server of the container; `assumeRoleProvider` (the credentials the poller uses for a role) and
 * `streamReadPolicy` (the stream's resource-based policy). The `streamshare` CLI is built from the
 * package's modules directly; nothing else is exported.
 * @packageDocumentation
 */

export { InvalidStreamArnError } from '@streamshare/core';
export { CheckpointDirectoryError } from './coordination/checkpoint-directory.js';
export type { ShardCoordinator, ShardDescriptor } from './coordination/shard-coordinator.js';
export {
  type AssumeRoleCredentialProvider,
  type AssumeRoleProviderOptions,
  assumeRoleProvider,
  CredentialsError,
} from './credentials/index.js';
export {
  AccessDeniedError,
  KinesisCallError,
  KmsError,
  PollerError,
  ShardCheckpointError,
  StartTimeoutError,
  StreamNotFoundError,
} from './errors/index.js';
export { type HttpServer, type HttpServerOptions, startHttpServer } from './http/index.js';
export { LeaseTableError } from './leases/index.js';
export { createPollerMetrics, type PollerMetrics, type PollerMetricsOptions } from './metrics/index.js';
export { type PolicyDocument, streamReadPolicy } from './policy/index.js';
export { createPoller } from './poller/create-poller.js';
export type { PollerState } from './poller/lifecycle.js';
export type { MultiStreamPollerOptions, StreamOptions } from './poller/multi-options.js';
export type {
  AssumeRoleOptions,
  CheckpointFailing,
  LeaseTableOptions,
  MarkedLambdaHandler,
  Poller,
  PollerObserver,
  PollerOptions,
  PollerStatus,
  ShardStatus,
  StartingPosition,
} from './poller/options.js';
export type { ReadLimits } from './reader/index.js';
export type { ShardStateKind } from './reader/shard-state.js';
