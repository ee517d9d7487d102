import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { KinesisClientConfig } from '@aws-sdk/client-kinesis';
import type { STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { KinesisClient, NodeHttp2Handler, NodeHttpHandler } from '../deps/commonjs.cjs';
import { stsSdk } from './sts-sdk.js';

/**
 * Options of {@link createKinesisClient}; `maxAttempts`, the SDK's attempts per call, defaults to 1
 * (the poller retries with its own backoff).
 */
export interface KinesisClientDefaults extends Pick<KinesisClientConfig, 'maxAttempts'> {
  /** The stream's region (from its ARN). */
  readonly region: string;
  /** Credentials for the stream (e.g. the assumed role); default: the SDK's default provider chain. */
  readonly credentials?: AwsCredentialIdentityProvider | undefined;
  /** Keep-alive sockets (default 50); size it to the shards read at once. */
  readonly maxSockets?: number | undefined;
  /**
   * HTTP/2 (`NodeHttp2Handler`, 30 s request timeout) instead of HTTP/1.1 keep-alive, at most
   * {@link HTTP2_STREAMS_PER_CONNECTION} requests at once on one connection (the handler opens another
   * for more): the poller's client for ListShards when it reads by SubscribeToShard (enhanced
   * fan-out), so that every call goes to one HTTP/2 endpoint. `maxSockets` is then not used. Not for
   * GetRecords: see the README's "HTTP/2" (Scale).
   */
  readonly http2?: boolean | undefined;
}

/**
 * Most requests in flight at once on one HTTP/2 connection of the poller's client (the handler opens
 * another connection for more): half of 100, the smallest SETTINGS_MAX_CONCURRENT_STREAMS RFC 9113
 * (6.5.2) recommends a server to allow and the common server default (AWS does not document the value
 * of its Kinesis endpoints). Half, because a server counts a stream until it has cleaned it up, a
 * little after the client saw its response end: at 100 against a server allowing 100, 42 to 114
 * requests of a 256-shard drain were refused (RST_STREAM, ENHANCE_YOUR_CALM from Node's server), at 50
 * none (`bench/scale-h2.bench.mjs`).
 */
export const HTTP2_STREAMS_PER_CONNECTION = 50;

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
    requestHandler:
      options.http2 === true
        ? new NodeHttp2Handler({ requestTimeout: 30_000, maxConcurrentStreams: HTTP2_STREAMS_PER_CONNECTION })
        : keepAliveHandler(options.maxSockets ?? 50),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
}

/**
 * The poller's default client for SubscribeToShard (enhanced fan-out): like
 * {@link createKinesisClient} (region, credentials, one SDK attempt, the SDK's endpoint environment)
 * over HTTP/2 (`NodeHttp2Handler`), with no request timeout: a subscription lasts up to 5 minutes,
 * and its silence is watched by the subscription itself (`silenceMs`).
 */
export function createSubscribeClient(options: Omit<KinesisClientDefaults, 'maxSockets' | 'http2'>): KinesisClient {
  return new KinesisClient({
    region: options.region,
    maxAttempts: options.maxAttempts ?? 1,
    requestHandler: new NodeHttp2Handler({ requestTimeout: 0 }),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
}

/**
 * True when `client`'s request handler speaks HTTP/2 (a `NodeHttp2Handler`, which says so in its
 * `metadata.handlerProtocol`): SubscribeToShard needs it. Never throws.
 * @internal
 */
export function speaksHttp2(client: KinesisClient): boolean {
  try {
    const handler = (client.config as { requestHandler?: unknown }).requestHandler as
      | { metadata?: { handlerProtocol?: unknown } }
      | undefined;
    return handler?.metadata?.handlerProtocol === 'h2';
  } catch {
    return false;
  }
}

/**
 * The default STS client for AssumeRole: the poller's own identity (default chain), the region of
 * AWS_REGION or else the stream's region (a regional STS endpoint). AWS_ENDPOINT_URL_STS is honoured.
 */
export function createStsClient(streamRegion: string): STSClient {
  const { STSClient } = stsSdk();
  return new STSClient({
    region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? streamRegion,
    maxAttempts: 3,
    requestHandler: keepAliveHandler(4),
  });
}

/**
 * The endpoint a Kinesis client calls, for messages: the configured one (`endpoint` option), else
 * AWS_ENDPOINT_URL_KINESIS / AWS_ENDPOINT_URL, else the regional AWS endpoint. Never throws.
 * @internal
 */
export async function describeKinesisEndpoint(client: KinesisClient, region: string): Promise<string> {
  try {
    const provider = (client.config as { endpoint?: unknown }).endpoint;
    if (typeof provider === 'function') {
      const e = (await provider()) as { protocol?: string; hostname?: string; port?: number; path?: string };
      if (e?.hostname) {
        const path = e.path && e.path !== '/' ? e.path : '';
        return `${e.protocol ?? 'https:'}//${e.hostname}${e.port ? `:${e.port}` : ''}${path}`;
      }
    }
  } catch {
    // fall through to the environment
  }
  return (
    process.env.AWS_ENDPOINT_URL_KINESIS ?? process.env.AWS_ENDPOINT_URL ?? `https://kinesis.${region}.amazonaws.com`
  );
}
