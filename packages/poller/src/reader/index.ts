export {
  CHECKPOINT_BACKOFF,
  type CheckpointCallFailure,
  type CheckpointCallOptions,
  checkpointCall,
} from './checkpoint-calls.js';
export type { Delivery, DeliveryOutcome, ShardBatch } from './delivery.js';
export {
  type LambdaContextOptions,
  type LambdaDeliveryOptions,
  lambdaContext,
  lambdaDelivery,
  outcomeOfLambdaResponse,
} from './lambda-delivery.js';
export { KINESIS_READ_LIMITS, nextCallAt, Pacer, type PacerState, type ReadLimits } from './pacer.js';
export { advance, describePosition, iteratorRequest, type ReadPosition, retryPosition } from './position.js';
export { type RecordDeliveryOptions, recordDelivery } from './record-delivery.js';
export { type ReaderEnd, type ReaderStatus, ShardReader, type ShardReaderOptions } from './shard-reader.js';
