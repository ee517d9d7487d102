// 4b. kds-reader1, the Lambda function of examples/cross-account-lambda, run by the poller: the
// poller sees that the handler was made by kinesisHandler and hands it Lambda-format events.
import { KINESIS_LAMBDA_HANDLER } from '@streamshare/core';
import { createHandler } from '@streamshare/example-cross-account-lambda/src/kds-reader1.mjs';
import { captureLogger } from '../capture-logger.mjs';
import { deferred, pollUntil } from '../consumer.mjs';

/**
 * Wraps a Lambda handler to see each invocation (event and response), as the Lambda console's
 * log of the function would; the wrapper keeps kinesisHandler's marker so the poller delivers
 * Lambda-format events to it.
 */
function observed(handler, onInvocation) {
  const wrapper = async (event, context) => {
    const response = await handler(event, context);
    onInvocation({ event, response });
    return response;
  };
  Object.defineProperty(wrapper, KINESIS_LAMBDA_HANDLER, { value: true });
  return wrapper;
}

/**
 * Reads the stream with kds-reader1's handler until an invocation carried records.
 * @returns {Promise<{ invocations: { event: object, response: object }[], logged: object[], checkpoints: object }>}
 */
export async function readWithLambdaHandler({ streamArn, consumer }) {
  const log = captureLogger();
  const invocations = [];
  const arrived = deferred();
  const handler = observed(createHandler({ logger: log.logger }), (invocation) => {
    invocations.push(invocation);
    if (invocation.event.Records.length > 0) arrived.resolve();
  });
  const checkpoints = await pollUntil({ streamArn, handler, arrived: arrived.promise, consumer });
  return { invocations, logged: log.lines('kds-reader1 got a record'), checkpoints };
}
