// The forwarder function: consumer account 888800008888, us-east-1 (the stream's region, where its
// Lambda trigger must be). It sends every record to the bus in ap-northeast-1 of account
// 777700007777, named by EVENT_BUS_ARN, and reports the first record not sent to Lambda.
import { eventBridgeForwarder } from '@streamshare/eventbridge-bridge';
import { kinesisHandler } from '@streamshare/lambda-adapter';

/**
 * Builds the handler. Tests pass `eventBusArn`, a `client` pointed at a loopback server, a logger.
 * @param {{ eventBusArn?: string, client?: import('@aws-sdk/client-eventbridge').EventBridgeClient,
 *   handlerOptions?: import('@streamshare/lambda-adapter').KinesisHandlerOptions }} [options]
 */
export function createForwarder(options = {}) {
  const forwarder = eventBridgeForwarder({
    eventBusArn: options.eventBusArn ?? process.env.EVENT_BUS_ARN,
    ...(options.client ? { client: options.client } : {}),
    source: process.env.EVENT_SOURCE ?? 'streamshare.kinesis',
    detailType: process.env.EVENT_DETAIL_TYPE ?? 'Kinesis Record',
  });
  // 'bytes': forward the stream's bytes exactly; the receiver decodes them.
  return kinesisHandler(forwarder, { codec: 'bytes', ...options.handlerOptions });
}

let handlerInstance;

/** The function's handler (`forwarder.handler`), built on the first invocation from the environment. */
export const handler = (event, context) => {
  handlerInstance ??= createForwarder();
  return handlerInstance(event, context);
};
