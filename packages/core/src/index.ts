/**
 * @streamshare/core: one record shape for every transport, codecs, KPL deaggregation,
 * checkpoint-safe batch processing and checkpoint stores.
 * @packageDocumentation
 */

export type * from './batch/types.js';
export type { Checkpoint, CheckpointStore } from './checkpoint/checkpoint.js';
export type { Codec, CodecName, CodecOutput } from './codec/codec.js';
export { decodeRecord } from './codec/decode-record.js';
export { resolveCodec } from './codec/resolve-codec.js';
export * from './errors/index.js';
export { deaggregate } from './kpl/deaggregate.js';
export { isKinesisLambdaHandler, KINESIS_LAMBDA_HANDLER } from './lambda-format/marker.js';
export { compareSequenceNumbers } from './record/sequence.js';
export type { RecordIdentity, StreamRecord } from './record/stream-record.js';
