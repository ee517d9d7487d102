import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { DeleteStreamCommand, DescribeStreamSummaryCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { MemoryCheckpointStore, type RecordHandler, type StreamRecord } from '@streamshare/core';
import { createPoller, type Poller, type PollerOptions } from '@streamshare/poller';
import { CONSUMER_ACCOUNT, createStream, kinesisClient, PRODUCER_ACCOUNT } from '@streamshare/testkit';
import { type Logger, pino } from 'pino';
import { inject } from 'vitest';
import { checkLogLine } from './json-keys.js';

/** The project's kinesis-mock endpoint (globalSetup). */
export function kinesisEndpoint(): string {
  return inject('kinesisEndpoint');
}

/** A unique stream name for this test. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** The producer account's client (owns the streams). */
export function producerClient(endpoint = kinesisEndpoint()): KinesisClient {
  return kinesisClient({ endpoint, account: PRODUCER_ACCOUNT });
}

/** The consumer account's client, one SDK attempt (the poller retries itself). */
export function consumerClient(endpoint = kinesisEndpoint()): KinesisClient {
  return kinesisClient({ endpoint, account: CONSUMER_ACCOUNT, maxAttempts: 1 });
}

/** Counts the calls `client` starts from now on (any command): for "no Kinesis call was made". */
export function countCalls(client: KinesisClient): () => number {
  let calls = 0;
  client.middlewareStack.add(
    (next) => (args) => {
      calls++;
      return next(args);
    },
    { step: 'initialize' },
  );
  return () => calls;
}

/** Creates a stream in the producer account; returns its ARN. */
export async function producerStream(prefix: string, shards: number): Promise<string> {
  return createStream(producerClient(), uniqueName(prefix), shards);
}

/**
 * Deletes a producer stream and waits until kinesis-mock has dropped it, so that its shards no longer
 * count against the emulator's shard limit (50 per account) that the project's test files share.
 * `client`: the owner's client (default the producer account's), destroyed at the end.
 */
export async function deleteProducerStream(
  streamArn: string,
  timeoutMs = 15_000,
  client: KinesisClient = producerClient(),
): Promise<void> {
  try {
    await client.send(new DeleteStreamCommand({ StreamARN: streamArn, EnforceConsumerDeletion: true }));
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      try {
        await client.send(new DescribeStreamSummaryCommand({ StreamARN: streamArn }));
      } catch (error) {
        if ((error as { name?: unknown }).name === 'ResourceNotFoundException') return;
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    client.destroy();
  }
}

/** Resolves when `predicate` holds, polling; rejects with `what` after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * A poller whose handler keeps each record's text in `seen`, in the order handled: codec `text`, the
 * consumer's client, in-memory checkpoints, 50 ms between idle reads; `options` override any of them.
 */
export function textPoller(
  streamArn: string,
  options: Partial<PollerOptions> = {},
): { readonly poller: Poller; readonly seen: string[] } {
  const seen: string[] = [];
  const poller = createPoller({
    streamArn,
    handler: (record: StreamRecord<unknown>) => {
      seen.push(String(record.data));
    },
    codec: 'text',
    kinesisClient: consumerClient(),
    checkpointStore: new MemoryCheckpointStore(),
    idleTimeBetweenReadsMs: 50,
    ...options,
  } as PollerOptions);
  return { poller, seen };
}

/** A record handler that keeps what it saw, by shard, as text. */
export interface Collector {
  readonly handler: RecordHandler<unknown>;
  readonly byShard: Map<string, StreamRecord<unknown>[]>;
  /** Every payload seen (JSON-stringified when not a string). */
  payloads(): string[];
  count(): number;
}

export function collector(onRecord?: (record: StreamRecord<unknown>) => void | Promise<void>): Collector {
  const byShard = new Map<string, StreamRecord<unknown>[]>();
  let total = 0;
  return {
    byShard,
    handler: async (record) => {
      await onRecord?.(record);
      let list = byShard.get(record.shardId);
      if (!list) {
        list = [];
        byShard.set(record.shardId, list);
      }
      list.push(record);
      total++;
    },
    payloads: () =>
      [...byShard.values()].flat().map((r) => (typeof r.data === 'string' ? r.data : JSON.stringify(r.data))),
    count: () => total,
  };
}

/**
 * A pino logger whose JSON lines are kept in memory (to check what the logs say, and do not say).
 * Each line is also checked for repeated keys (see takeBadLogLines in json-keys.ts).
 */
export function memoryLogger(level = 'debug'): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line === '') continue;
        checkLogLine(line);
        lines.push(line);
      }
      callback();
    },
  });
  return { logger: pino({ level }, stream), lines };
}
