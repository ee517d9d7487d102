/**
 * @streamshare/core: one record shape for every transport, codecs, KPL deaggregation,
 * checkpoint-safe batch processing and checkpoint stores.
 *
 * Helpers the other streamshare packages share are in `@streamshare/core/internal` (no semver promise).
 * @packageDocumentation
 */

// The record path: records, sources, processBatch, batch handlers, KPL.
export {
  batchHandler,
  fromKinesisRecords,
  isBatchHandler,
  kinesisRecords,
  lambdaRecords,
  processBatch,
} from './batch/index.js';
export type * from './batch/types.js';
// Checkpoints.
export type { Checkpoint, CheckpointStore, SequenceCheckpoint } from './checkpoint/checkpoint.js';
export { FileCheckpointStore, type FileCheckpointStoreOptions } from './checkpoint/file-store.js';
export { CheckpointLockedError } from './checkpoint/lock-error.js';
export { MemoryCheckpointStore } from './checkpoint/memory-store.js';
// Codecs: by name ('auto', 'bytes', 'text', 'json', 'gzip', 'cloudwatch-logs'), or a Codec object.
export type { CloudWatchLogsData } from './codec/cloudwatch-logs.js';
export type { Codec, CodecName, CodecNameFor, RecordDataFor } from './codec/codec.js';
export type { DecodeLimits } from './codec/limits.js';
export { SchemaValidationError, schema } from './codec/schema.js';
export { withDecodeLimits } from './codec/with-limits.js';
// Errors.
export {
  CheckpointError,
  DeadlineError,
  DecodeError,
  HandlerError,
  InvalidInputError,
  KplAggregateError,
} from './errors/record-errors.js';
export { FatalError, RetryableError, StreamshareError } from './errors/streamshare-error.js';
export { deaggregate, isAggregated, KPL_MAGIC } from './kpl/deaggregate.js';
// A function carrying this symbol is run by the poller as a Lambda handler (kinesisHandler sets it).
export { KINESIS_LAMBDA_HANDLER } from './lambda-format/marker.js';
// Logging.
export { type CreateLoggerOptions, createLogger, silentLogger } from './logging/logger.js';
export {
  fromKinesisRecord,
  type KinesisRecordSource,
  type KinesisSdkRecord,
} from './record/kinesis-record.js';
export {
  fromLambdaRecord,
  type LambdaKinesisEvent,
  type LambdaKinesisPayload,
  type LambdaKinesisRecord,
} from './record/lambda-record.js';
export { compareSequenceNumbers } from './record/sequence.js';
export type { RecordIdentity, StreamRecord } from './record/stream-record.js';
