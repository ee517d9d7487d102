/**
 * @streamshare/lambda-adapter: run a streamshare record handler as an AWS Lambda function: behind
 * a Kinesis trigger (also on a stream of another account, through its resource-based policy), with
 * tumbling windows, or behind an EventBridge rule that receives forwarded records.
 *
 * Every handler keeps core's checkpoint invariant: records of a shard are handled in sequence
 * order, and what is reported back is the first record not done.
 * @packageDocumentation
 */

export {
  BatchFailedError,
  InvalidEventError,
  InvalidOptionError,
  ReducerError,
  type ReducerErrorCode,
  UnexpectedFailureError,
  UnfinishedRecordError,
} from './errors/index.js';
export {
  type EventBridgeHandlerOptions,
  type EventBridgeLambdaHandler,
  eventBridgeHandler,
} from './eventbridge/eventbridge-handler.js';
export {
  type KinesisHandlerOptions,
  type KinesisLambdaHandler,
  kinesisHandler,
} from './kinesis/kinesis-handler.js';
export type { AdapterOptions, InvocationContext } from './options/adapter-options.js';
export {
  type KinesisWindowHandlerOptions,
  type KinesisWindowLambdaHandler,
  kinesisWindowHandler,
  type WindowInput,
  type WindowReducer,
  type WindowResponse,
  type WindowState,
} from './window/kinesis-window-handler.js';
