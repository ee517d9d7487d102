import { Agent } from 'node:http';
import { KinesisClient, type KinesisClientConfig } from '@aws-sdk/client-kinesis';
import { NodeHttp2Handler, NodeHttpHandler } from '@smithy/node-http-handler';
import { DEFAULT_REGION } from './accounts.js';

/** Options of {@link kinesisClient}. */
export interface KinesisClientOptions {
  /** The emulator's endpoint, e.g. from {@link KinesisMock.endpoint} or a fault proxy. */
  readonly endpoint: string;
  /**
   * The 12-digit account the client acts as: it becomes the access key id, which kinesis-mock
   * reads. Required unless `credentials` is given.
   */
  readonly account?: string;
  /** Signing region. Default `us-east-1`. */
  readonly region?: string;
  /**
   * Credentials to sign with instead of `{ accessKeyId: account }`, e.g. a provider that calls
   * AssumeRole on the test STS server (whose access key id is the role's account).
   */
  readonly credentials?: KinesisClientConfig['credentials'];
  /** SDK retry attempts. Default 3 (the SDK default); pass 1 to see every error. */
  readonly maxAttempts?: number;
}

/** The client settings both helpers share: endpoint, region, `account` as the access key id, attempts. */
function clientConfig(name: string, options: KinesisClientOptions): KinesisClientConfig {
  if (options.account === undefined && options.credentials === undefined) {
    throw new Error(`${name}: give \`account\` (a 12-digit account id) or \`credentials\``);
  }
  return {
    endpoint: options.endpoint,
    region: options.region ?? DEFAULT_REGION,
    credentials: options.credentials ?? { accessKeyId: options.account!, secretAccessKey: 'test' },
    maxAttempts: options.maxAttempts ?? 3,
  };
}

/**
 * A real {@link KinesisClient} for kinesis-mock acting as `account`: HTTP/1.1 with keep-alive
 * (kinesis-mock's HTTP/2 path fails on larger bodies), credentials `{ accessKeyId: account,
 * secretAccessKey: 'test' }`. kinesis-mock does not verify signatures, only reads the key id.
 */
export function kinesisClient(options: KinesisClientOptions): KinesisClient {
  return new KinesisClient({
    ...clientConfig('kinesisClient', options),
    requestHandler: new NodeHttpHandler({
      httpAgent: new Agent({ keepAlive: true, maxSockets: 50 }),
      connectionTimeout: 5000,
      requestTimeout: 30_000,
    }),
  });
}

/**
 * A real {@link KinesisClient} over HTTP/2 (`NodeHttp2Handler`, the Kinesis client's default handler,
 * without a request timeout: a subscription lasts minutes) acting as `account`, for SubscribeToShard
 * through {@link startSubscribeServer}'s endpoint. Same credentials as {@link kinesisClient}.
 */
export function kinesisHttp2Client(options: KinesisClientOptions): KinesisClient {
  return new KinesisClient({
    ...clientConfig('kinesisHttp2Client', options),
    requestHandler: new NodeHttp2Handler({ requestTimeout: 0 }),
  });
}
