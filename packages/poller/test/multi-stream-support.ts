/**
 * Helpers of the tests of a poller of several streams: two producer accounts (each with its own
 * reader role assumed through the loopback STS server), the consumer's SDK environment, and what the
 * handlers saw, by stream and shard.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeStreamSummaryCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import type { StreamRecord } from '@streamshare/core';
import { compareSequenceNumbers } from '@streamshare/core/internal';
import type { Poller } from '@streamshare/poller';
import {
  CONSUMER_ACCOUNT,
  createStream,
  kinesisClient,
  PRODUCER_ACCOUNT,
  putRecords,
  type StsServer,
  startStsServer,
} from '@streamshare/testkit';
import { afterEach, expect } from 'vitest';
import { deleteProducerStream, kinesisEndpoint, uniqueName } from './helpers/engine-env.js';

/** A second producer account (kinesis-mock serves any account its clients name). */
export const SECOND_PRODUCER = '777700007777';
/** The external id both reader roles require (the STS server checks one). */
export const EXTERNAL_ID = 'fleet-ext-42';

/** A producer: its account, its region, the role the consumer assumes in it. */
export interface Producer {
  readonly account: string;
  readonly region: string;
  readonly roleArn: string;
}

export const PRODUCERS: readonly [Producer, Producer] = [
  { account: PRODUCER_ACCOUNT, region: 'us-east-1', roleArn: `arn:aws:iam::${PRODUCER_ACCOUNT}:role/fleet-reader-a` },
  { account: SECOND_PRODUCER, region: 'us-west-2', roleArn: `arn:aws:iam::${SECOND_PRODUCER}:role/fleet-reader-b` },
];

/** The producer's own Kinesis client (owns its streams). */
export function ownerClient(producer: Producer): KinesisClient {
  return kinesisClient({ endpoint: kinesisEndpoint(), account: producer.account, region: producer.region });
}

/** Creates a stream of `shards` shards in the producer's account and region; its ARN. */
export async function producerStreamOf(producer: Producer, prefix: string, shards: number, name?: string) {
  const client = ownerClient(producer);
  try {
    return await createStream(client, name ?? uniqueName(prefix), shards);
  } finally {
    client.destroy();
  }
}

/** Puts `count` text records `<tag>-<i>` (one partition key each) into the stream; their texts. */
export async function putTexts(producer: Producer, streamArn: string, tag: string, count: number): Promise<string[]> {
  const texts = Array.from({ length: count }, (_, i) => `${tag}-${i}`);
  const client = ownerClient(producer);
  try {
    await putRecords(
      client,
      streamArn,
      texts.map((data) => ({ data, partitionKey: data })),
    );
  } finally {
    client.destroy();
  }
  return texts;
}

/** The stream's creation time in epoch seconds (what its checkpoint key carries). */
export async function creationEpoch(producer: Producer, streamArn: string): Promise<number> {
  const client = ownerClient(producer);
  try {
    const out = await client.send(new DescribeStreamSummaryCommand({ StreamARN: streamArn }));
    return Math.floor(out.StreamDescriptionSummary!.StreamCreationTimestamp!.getTime() / 1000);
  } finally {
    client.destroy();
  }
}

const ENV_KEYS = [
  'AWS_ENDPOINT_URL_KINESIS',
  'AWS_ENDPOINT_URL_STS',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_REGION',
  'AWS_PROFILE',
] as const;

/** Points the SDK environment at the local servers as the consumer account; returns the restore. */
export function consumerEnvironment(stsEndpoint: string): () => void {
  const saved = Object.fromEntries(ENV_KEYS.map((key) => [key, process.env[key]]));
  process.env.AWS_ENDPOINT_URL_KINESIS = kinesisEndpoint();
  process.env.AWS_ENDPOINT_URL_STS = stsEndpoint;
  process.env.AWS_ACCESS_KEY_ID = CONSUMER_ACCOUNT;
  process.env.AWS_SECRET_ACCESS_KEY = 'consumer-secret';
  process.env.AWS_REGION = 'us-east-1';
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  return () => {
    for (const key of ENV_KEYS) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  };
}

/** What handlers saw: each record by stream and shard, in the order handled. */
export class Seen {
  readonly byShard = new Map<string, StreamRecord<unknown>[]>();

  add(record: StreamRecord<unknown>): void {
    const key = `${record.streamArn} ${record.shardId}`;
    let list = this.byShard.get(key);
    if (list === undefined) {
      list = [];
      this.byShard.set(key, list);
    }
    list.push(record);
  }

  /** The texts seen of one stream (duplicates kept). */
  texts(streamArn: string): string[] {
    return [...this.byShard.values()]
      .flat()
      .filter((record) => record.streamArn === streamArn)
      .map((record) => String(record.data));
  }

  /** True once every one of `texts` was seen on `streamArn`. */
  has(streamArn: string, texts: readonly string[]): boolean {
    const seen = new Set(this.texts(streamArn));
    return texts.every((text) => seen.has(text));
  }
}

/** Every shard's records came in sequence order (a record seen again after a takeover restarts the order). */
export function expectShardOrder(lists: Iterable<StreamRecord<unknown>[]>): void {
  for (const list of lists) {
    for (let i = 1; i < list.length; i++) {
      const order = compareSequenceNumbers(list[i - 1]!.sequenceNumber, list[i]!.sequenceNumber);
      expect(order).toBeLessThan(0);
    }
  }
}

/** A new temporary directory. */
export function tempDir(prefix = 'streamshare-multi-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Deletes a producer's stream and waits until kinesis-mock no longer knows it. */
export function deleteStreamOf(producer: Producer, streamArn: string): Promise<void> {
  return deleteProducerStream(streamArn, 15_000, ownerClient(producer));
}

/**
 * The environment of a test of a fleet: `environment()` starts the loopback STS server (both roles
 * need {@link EXTERNAL_ID}) and points the SDK at the local servers as the consumer; `track` keeps a
 * poller to stop. After each test: the pollers stopped, the environment restored, the server stopped.
 */
export function fleetTests(): {
  environment(): Promise<StsServer>;
  track<P extends Poller>(poller: P): P;
} {
  let sts: StsServer | undefined;
  let restore: (() => void) | undefined;
  const pollers: Poller[] = [];
  afterEach(async () => {
    await Promise.allSettled(pollers.splice(0).map((poller) => poller.stop()));
    restore?.();
    restore = undefined;
    await sts?.stop();
    sts = undefined;
  });
  return {
    async environment() {
      sts = await startStsServer({ externalId: EXTERNAL_ID });
      restore = consumerEnvironment(sts.endpoint);
      return sts;
    },
    track(poller) {
      pollers.push(poller);
      return poller;
    },
  };
}
