// 4c. The EventBridge hop of examples/cross-region-eventbridge: its forwarder (kinesisHandler around
// eventBridgeForwarder), run by the poller, sends each record to a bus in ap-northeast-1; the bus's
// rule target, eventBridgeHandler, unwraps each event back into the record and runs kds-reader1's
// record handler, unchanged.
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KINESIS_LAMBDA_HANDLER, silentLogger } from '@streamshare/core';
import { handleRecord } from '@streamshare/example-cross-account-lambda/src/kds-reader1.mjs';
import { createForwarder } from '@streamshare/example-cross-region-eventbridge/src/forwarder.mjs';
import { eventBridgeHandler } from '@streamshare/lambda-adapter';
import { assumeRoleProvider } from '@streamshare/poller';
import { toDeliveredEvent } from '@streamshare/testkit';
import { captureLogger } from '../capture-logger.mjs';
import { deferred, pollUntil } from '../consumer.mjs';
import { EVENT_BUS_ARN } from '../scenario.mjs';

/**
 * Forwards the stream to the loopback bus until a batch with records was accepted, then delivers
 * the bus's events to the receiving handler as EventBridge delivers them to a Lambda target.
 * @param {{ streamArn: string, consumer: object, eventBridge: import('@streamshare/testkit').EventBridgeServer }} options
 */
export async function readThroughEventBridge({ streamArn, consumer, eventBridge }) {
  // The forwarder puts events with the consumer role's credentials, at the bus's region.
  const client = new EventBridgeClient({
    region: 'ap-northeast-1',
    endpoint: eventBridge.endpoint,
    credentials: assumeRoleProvider({ ...consumer.assumeRole, stsClient: consumer.stsClient }),
    maxAttempts: 1,
  });
  const forwarded = [];
  const arrived = deferred();
  const forwarder = createForwarder({
    eventBusArn: EVENT_BUS_ARN,
    client,
    handlerOptions: { logger: silentLogger },
  });
  const handler = async (event, context) => {
    const response = await forwarder(event, context);
    forwarded.push({ records: event.Records.length, response });
    if (event.Records.length > 0 && response.batchItemFailures.length === 0) arrived.resolve();
    return response;
  };
  Object.defineProperty(handler, KINESIS_LAMBDA_HANDLER, { value: true });

  let checkpoints;
  try {
    checkpoints = await pollUntil({ streamArn, handler, arrived: arrived.promise, consumer });
  } finally {
    client.destroy();
  }

  const log = captureLogger();
  const receiver = eventBridgeHandler(handleRecord, { codec: 'auto', logger: log.logger });
  const delivered = eventBridge.events.map(toDeliveredEvent);
  for (const event of delivered) await receiver(event);
  return {
    forwarded,
    calls: [...eventBridge.calls],
    delivered,
    handled: log.lines('kds-reader1 got a record'),
    checkpoints,
  };
}
