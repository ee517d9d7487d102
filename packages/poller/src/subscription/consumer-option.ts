import { InvalidInputError } from '@streamshare/core';
import { type ConsumerArnParts, parseConsumerArn } from '@streamshare/core/internal';

/**
 * Checks the `consumerArn` option of a poller reading `streamArn` through enhanced fan-out: a
 * well-formed consumer ARN (`INVALID_CONSUMER_ARN` otherwise, naming the setting) of that very
 * stream (`CONSUMER_STREAM_MISMATCH` otherwise: a consumer is registered on one stream, and
 * SubscribeToShard would read another stream's shard ids). Pure.
 * @throws InvalidArnError, InvalidInputError
 * @internal
 */
export function checkConsumerArn(value: unknown, streamArn: string, setting = 'consumerArn'): ConsumerArnParts {
  const consumer = parseConsumerArn(value, setting);
  if (consumer.streamArn !== streamArn) {
    throw new InvalidInputError(
      'CONSUMER_STREAM_MISMATCH',
      `${setting}: consumer ${consumer.arn} is registered on stream ${consumer.streamArn}, ` +
        `not on the stream read (${streamArn}); give the ARN of a consumer of ${streamArn} ` +
        `(its owner registers it with RegisterStreamConsumer)`,
    );
  }
  return consumer;
}
