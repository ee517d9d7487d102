import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { Logger } from 'pino';
import type { CallContext } from '../errors/classify.js';

/**
 * What a Kinesis call about one stream needs: the client, the stream and its region, who signs (for
 * AccessDenied messages), a logger and a signal. Shared by shard discovery and the stream-key lookup.
 * @internal
 */
export interface StreamCallOptions extends Pick<CallContext, 'streamArn' | 'region' | 'principal'> {
  readonly client: KinesisClient;
  /** The stream's logger: its lines carry `streamArn` already (the poller binds it), so they do not repeat it. */
  readonly logger?: Logger | undefined;
  readonly signal?: AbortSignal | undefined;
}
