/**
 * The common setup of the enhanced fan-out tests: testkit's h2c subscribe server in front of
 * kinesis-mock (one per test file), and what each test makes (pollers, producer streams, HTTP/2
 * clients, temporary directories), stopped, deleted or removed after each test, and the server
 * closed after the file. Registers its vitest hooks when called (at the top level of a test file).
 */
import { rm } from 'node:fs/promises';
import { type KinesisClient, RegisterStreamConsumerCommand } from '@aws-sdk/client-kinesis';
import type { Poller } from '@streamshare/poller';
import {
  CONSUMER_ACCOUNT,
  kinesisHttp2Client,
  type SubscribeServer,
  type SubscribeServerOptions,
  startSubscribeServer,
} from '@streamshare/testkit';
import { afterAll, afterEach, beforeAll } from 'vitest';
import {
  producerStream as createProducerStream,
  deleteProducerStream,
  kinesisEndpoint,
  producerClient,
} from './engine-env.js';

export interface EfoFixture {
  /** The subscribe server (set once the file's beforeAll ran). */
  readonly server: SubscribeServer;
  /** Stopped after each test. */
  readonly pollers: Poller[];
  /** Producer streams, deleted after each test. */
  readonly streams: string[];
  /** Directories, removed after each test. */
  readonly dirs: string[];
  /** A consumer-account client over HTTP/2 to the server (one attempt a call), destroyed after the test. */
  h2Client(): KinesisClient;
  /** A stream of `shards` shards (deleted after the test) with a consumer registered on it. */
  streamWithConsumer(
    prefix: string,
    shards?: number,
    name?: string,
  ): Promise<{ streamArn: string; consumerArn: string }>;
}

/** Starts the server before the file's tests (options besides the kinesis-mock endpoint: `serverOptions`). */
export function useEfoFixture(
  serverOptions: Partial<Omit<SubscribeServerOptions, 'kinesisEndpoint'>> = {},
): EfoFixture {
  let server: SubscribeServer | undefined;
  const clients: KinesisClient[] = [];
  const fixture: EfoFixture = {
    get server(): SubscribeServer {
      if (server === undefined) throw new Error('the subscribe server is not started yet (use it inside a test)');
      return server;
    },
    pollers: [],
    streams: [],
    dirs: [],
    h2Client() {
      const client = kinesisHttp2Client({
        endpoint: fixture.server.endpoint,
        account: CONSUMER_ACCOUNT,
        maxAttempts: 1,
      });
      clients.push(client);
      return client;
    },
    async streamWithConsumer(prefix, shards = 1, name = 'c') {
      const streamArn = await createProducerStream(prefix, shards);
      fixture.streams.push(streamArn);
      const out = await producerClient().send(
        new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: name }),
      );
      return { streamArn, consumerArn: out.Consumer?.ConsumerARN ?? '' };
    },
  };
  beforeAll(async () => {
    server = await startSubscribeServer({ pollMs: 20, ...serverOptions, kinesisEndpoint: kinesisEndpoint() });
  });
  afterEach(async () => {
    await Promise.all(fixture.pollers.splice(0).map((p) => p.stop().catch(() => {})));
    server?.discardQueued();
    for (const client of clients.splice(0)) client.destroy();
    await Promise.all(fixture.streams.splice(0).map((arn) => deleteProducerStream(arn)));
    await Promise.all(fixture.dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });
  afterAll(async () => {
    await server?.close();
  });
  return fixture;
}
