import { InvalidInputError } from '@streamshare/core';

/**
 * Sockets of the poller's own Kinesis client. A ceiling, not a pool: the agent opens a socket only
 * for a request that finds none free, and the scheduler lets no more requests out than it allows.
 * @internal
 */
export const POLLER_KINESIS_SOCKETS = 512;

/**
 * The AWS SDK's default sockets per client (NodeHttpHandler), assumed for a `kinesisClient` given
 * without `maxRequestsInFlight`.
 * @internal
 */
export const SDK_DEFAULT_SOCKETS = 50;

/** Sockets left to the calls that do not take turns (the shard listing). */
const LISTING_SOCKETS = 2;

/**
 * The most Kinesis requests the poller's scheduler lets out at once: `configured` when given (the
 * user's client and agent settings win), else the sockets of the client less those kept for the
 * listing calls, so that the HTTP agent never queues a request.
 * @throws InvalidInputError (code `INVALID_OPTION`) when `configured` is not a positive integer.
 * @internal
 */
export function maxRequestsInFlight(configured: number | undefined, ownsClient: boolean): number {
  if (configured !== undefined) {
    if (!Number.isInteger(configured) || configured < 1) {
      throw new InvalidInputError(
        'INVALID_OPTION',
        `createPoller: maxRequestsInFlight must be a positive integer (the Kinesis requests in flight at once), got ${String(configured)}`,
      );
    }
    return configured;
  }
  return (ownsClient ? POLLER_KINESIS_SOCKETS : SDK_DEFAULT_SOCKETS) - LISTING_SOCKETS;
}
