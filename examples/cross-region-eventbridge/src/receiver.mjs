// The receiving function: account 777700007777, ap-northeast-1, target of the rule on the bus.
// eventBridgeHandler unwraps each forwarded event into the original record and runs the same
// record handler as the Kinesis side. When the handler fails, it throws, so that EventBridge
// retries the event (rule target retry policy, then the dead-letter queue).
import { eventBridgeHandler } from '@streamshare/lambda-adapter';
import { handleRecord } from './record-handler.mjs';

/**
 * Builds the handler. `options` are eventBridgeHandler's (tests pass their own logger).
 * @param {import('@streamshare/lambda-adapter').EventBridgeHandlerOptions} [options]
 */
export function createReceiver(options = {}) {
  return eventBridgeHandler(handleRecord, { codec: 'auto', ...options });
}

/** The function's handler (`receiver.handler`). */
export const handler = createReceiver();
