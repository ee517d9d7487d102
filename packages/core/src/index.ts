/**
 * @streamshare/core: one record shape for every transport, codecs, KPL deaggregation,
 * checkpoint-safe batch processing and checkpoint stores.
 *
 * Helpers the other streamshare packages share are in `@streamshare/core/internal` (no semver promise).
 * @packageDocumentation
 */

// The error of a stream ARN that is not one: createPoller throws it for `streamArn` (the poller exports it too).
export { InvalidStreamArnError } from './aws/arn.js';
// The record path: processBatch over a record source (an array of records, or a GetRecords page).
export { batchHandler, processBatch } from './batch/index.js';
export type {
  BatchContext,
  BatchHandler,
  BatchResult,
  DeadLetterHandler,
  FailedRecord,
  Handler,
  ProcessBatchOptions,
  RecordContext,
  RecordHandler,
  RetryOptions,
} from './batch/types.js';
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
export { deaggregate } from './expand/kpl.js';
// A function carrying this symbol is run by the poller as a Lambda handler (kinesisHandler sets it).
export { KINESIS_LAMBDA_HANDLER } from './lambda-format/marker.js';
// Logging.
// (createLogger's options are not exported by name: `Parameters<typeof createLogger>[0]` names them.)
export { createLogger, silentLogger } from './logging/logger.js';
export type { RecordIdentity, StreamRecord } from './record/stream-record.js';
export { kinesisRecords } from './source/page-source.js';
