export {
  type CheckpointFailureKind,
  type CheckpointOperation,
  classifyCheckpointFailure,
  ShardCheckpointError,
} from './checkpoint-failure.js';
export {
  type CallContext,
  type ClassifiedError,
  classifyKinesisError,
  type ErrorKind,
  principalFromMessage,
} from './classify.js';
export {
  AccessDeniedError,
  type ConsumerStatement,
  consumerPolicyStatement,
  fanOutPolicyStatement,
  KinesisCallError,
  KmsError,
  PollerError,
  StartTimeoutError,
  StreamNotFoundError,
} from './poller-error.js';
