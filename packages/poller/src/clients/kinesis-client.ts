import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { STSClient } from '@aws-sdk/client-sts';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { AwsCredentialIdentityProvider } from '@smithy/types';

/** Options of {@link createKinesisClient}. */
export interface KinesisClientDefaults {
  /** The stream's region (from its ARN). */
  readonly region: string;
  /** Credentials for the stream (e.g. the assumed role); default: the SDK's default provider chain. */
  readonly credentials?: AwsCredentialIdentityProvider | undefined;
  /** Keep-alive sockets (default 50); size it to the shards read at once. */
  readonly maxSockets?: number | undefined;
  /** SDK attempts per call (default 1: the poller retries with its own backoff). */
  readonly maxAttempts?: number | undefined;
}

/** An HTTP/1.1 keep-alive request handler for the SDK. */
export function keepAliveHandler(maxSockets = 50): NodeHttpHandler {
  return new NodeHttpHandler({
    httpAgent: new HttpAgent({ keepAlive: true, maxSockets }),
    httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets }),
    connectionTimeout: 5_000,
    requestTimeout: 30_000,
  });
}

/**
 * The poller's default Kinesis client: the stream's region, HTTP/1.1 keep-alive, one SDK attempt (the
 * poller handles throttling and retries itself). No endpoint is set, so the SDK's own environment is
 * honoured: AWS_ENDPOINT_URL_KINESIS / AWS_ENDPOINT_URL, and the credential variables.
 */
export function createKinesisClient(options: KinesisClientDefaults): KinesisClient {
  return new KinesisClient({
    region: options.region,
    maxAttempts: options.maxAttempts ?? 1,
    requestHandler: keepAliveHandler(options.maxSockets ?? 50),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
}

/**
 * The default STS client for AssumeRole: the poller's own identity (default chain), the region of
 * AWS_REGION or else the stream's region (a regional STS endpoint). AWS_ENDPOINT_URL_STS is honoured.
 */
export function createStsClient(streamRegion: string): STSClient {
  return new STSClient({
    region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? streamRegion,
    maxAttempts: 3,
    requestHandler: keepAliveHandler(4),
  });
}
