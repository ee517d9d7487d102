/**
 * @streamshare/core: one record shape for every transport, codecs, KPL deaggregation,
 * checkpoint-safe batch processing and checkpoint stores.
 * @packageDocumentation
 */

export { batchHandler, processBatch } from './batch/index.js';
export type * from './batch/types.js';
export type { Checkpoint, CheckpointStore } from './checkpoint/checkpoint.js';
export {
  type CheckpointFile,
  CheckpointLockedError,
  checkpointOf,
  compareCheckpoints,
  FileCheckpointStore,
  type FileCheckpointStoreOptions,
  type LockHolder,
  MemoryCheckpointStore,
} from './checkpoint/index.js';
export { auto } from './codec/auto.js';
export { bytes } from './codec/bytes.js';
export {
  type CloudWatchLogEvent,
  type CloudWatchLogsControlMessage,
  type CloudWatchLogsData,
  type CloudWatchLogsDataMessage,
  cloudWatchLogs,
  isControlMessage,
  logEventsOf,
} from './codec/cloudwatch-logs.js';
export type {
  Codec,
  CodecName,
  CodecNameFor,
  CodecOutput,
  NamedCodecOutputs,
  RecordDataFor,
} from './codec/codec.js';
export type { DecompressOptions } from './codec/compression.js';
export { decodeRecord } from './codec/decode-record.js';
export { gunzip, gzip, gzipBytes, gzipText } from './codec/gzip.js';
export { json } from './codec/json.js';
export {
  DEFAULT_MAX_JSON_CONTAINERS,
  DEFAULT_MAX_OUTPUT_LENGTH,
  DecodeLimitError,
  type DecodeLimitName,
  type DecodeLimits,
} from './codec/limits.js';
export { CODEC_NAMES, resolveCodec } from './codec/resolve-codec.js';
export { type SchemaCodecOptions, SchemaValidationError, schema } from './codec/schema.js';
export { text } from './codec/text.js';
export { withDecodeLimits } from './codec/with-limits.js';
export {
  ENVELOPE_TYPE,
  envelopeId,
  fromEnvelope,
  isEnvelope,
  type RecordEnvelope,
  toEnvelope,
  toEnvelopeJson,
} from './envelope/envelope.js';
export { jsonNestsDeeperThan, MAX_INLINED_JSON_DEPTH } from './envelope/json-depth.js';
export { stringifyJson, toJsonText } from './envelope/json-stringify.js';
export * from './errors/index.js';
export { deaggregate, isAggregated } from './expand/kpl.js';
export { type LambdaFormatOptions, toLambdaKinesisEvent, toLambdaKinesisRecord } from './lambda-format/lambda-event.js';
export { isKinesisLambdaHandler, KINESIS_LAMBDA_HANDLER } from './lambda-format/marker.js';
export { type CreateLoggerOptions, createLogger, REDACTED, SECRET_PATHS, silentLogger } from './logging/index.js';
export { fromKinesisRecord, type KinesisSdkRecord, type ShardOrigin } from './normalize/kinesis-record.js';
export {
  fromLambdaRecord,
  type LambdaKinesisEvent,
  type LambdaKinesisPayload,
  type LambdaKinesisRecord,
} from './normalize/lambda-record.js';
export { compareSequenceNumbers } from './record/sequence.js';
export type { RecordIdentity, StreamRecord } from './record/stream-record.js';
export { lambdaRecords } from './source/lambda-source.js';
export { kinesisRecords } from './source/page-source.js';
