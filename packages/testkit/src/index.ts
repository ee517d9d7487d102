/**
 * @streamshare/testkit: the local servers that streamshare's integration tests and demo run
 * against, and small helpers for the real AWS SDK clients pointed at them.
 *
 * @packageDocumentation
 */

export { type CommonjsDepsReport, checkCommonjsDeps } from './build/commonjs-deps.js';
export {
  type Dynalite,
  type DynaliteOptions,
  type DynamoDbClientOptions,
  dynamoDbClient,
  startDynalite,
} from './dynamodb/dynalite.js';
export * from './eventbridge/index.js';
export {
  type FaultProxy,
  type FaultProxyOptions,
  type FaultProxyStats,
  startFaultProxy,
} from './fault-proxy/fault-proxy.js';
export { errorAnswer, FAULT_KINDS, type FaultKind, type FaultRule, type RequestFacts } from './fault-proxy/faults.js';
export { CONSUMER_ACCOUNT, DEFAULT_REGION, PRODUCER_ACCOUNT, streamArnOf } from './kinesis/accounts.js';
export { type KinesisClientOptions, kinesisClient, kinesisHttp2Client } from './kinesis/client.js';
export {
  corruptMessageCrc,
  decodeEventMessage,
  exceptionMessage,
  fastShardEventMessage,
  initialResponseMessage,
  shardEventMessage,
  type WireChildShard,
  type WireRecord,
  type WireShardEvent,
} from './kinesis/event-stream.js';
export {
  type KinesisMock,
  type KinesisMockOptions,
  kinesisLocalDir,
  kinesisMockEnv,
  startKinesisMock,
} from './kinesis/kinesis-mock.js';
export {
  createStream,
  type PutRecordInput,
  type PutRecordResult,
  type PutRecordsOptions,
  putRecords,
  type StreamRef,
  waitForStreamActive,
} from './kinesis/streams.js';
export {
  GENERATED_SEQUENCE_BASE,
  type GenerateScript,
  generatedSequenceNumber,
  type ScriptedRecord,
  type SubscribeCall,
  type SubscribeScript,
  type SubscribeServer,
  type SubscribeServerOptions,
  type SubscribeServerStats,
  type SubscribeStep,
  type SubscriptionEnd,
  startSubscribeServer,
  streamArnOfConsumer,
  type WrittenEvent,
} from './kinesis/subscribe-server.js';
export { consoleTestKinesisEvent, referenceKinesisEvent } from './lambda/kinesis-events.js';
export { freePort, freePorts, LOOPBACK } from './net/free-port.js';
export {
  accessKeyIdOf,
  callerAccountOf,
  closeServer,
  listenOnLoopback,
  readBody,
} from './net/http-server.js';
export {
  type StsCall,
  type StsFailure,
  type StsServer,
  type StsServerOptions,
  startStsServer,
} from './sts/sts-server.js';
