import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { type BatchContext, type DeadLetterHandler, type StreamRecord, silentLogger } from '@streamshare/core';
import { buildEntry, putEventsEntrySize } from '@streamshare/eventbridge-bridge';
import { type EventBridgeServer, type ReceivedEvent, startEventBridgeServer } from '@streamshare/testkit';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { DEFAULT_DETAIL_TYPE, DEFAULT_SOURCE } from '../src/forwarder/options.js';

export const BUS_ARN = 'arn:aws:events:ap-northeast-1:777700007777:event-bus/kds-shared-bus';
export const STREAM_ARN = 'arn:aws:kinesis:us-east-1:999900009999:stream/kds-sharing-example1';
const SEQ_BASE = 49649683864473953433843496278632352517587667908684677122n;
const encoder = new TextEncoder();

/** The fixed-width sequence number of the n-th record. */
export function seq(n: number): string {
  return (SEQ_BASE + BigInt(n)).toString();
}

/** A raw record whose data is `data` (a string is UTF-8 encoded). */
export function record(
  n: number,
  data: Uint8Array | string,
  shardId = 'shardId-000000000000',
): StreamRecord<Uint8Array> {
  return {
    streamArn: STREAM_ARN,
    shardId,
    partitionKey: `key-${n % 7}`,
    sequenceNumber: seq(n),
    approximateArrivalTimestamp: new Date(1_709_100_911_667 + n),
    data: typeof data === 'string' ? encoder.encode(data) : data,
  };
}

/** `count` JSON records `{"n":i}`. */
export function jsonRecords(count: number, shardId?: string): StreamRecord<Uint8Array>[] {
  return Array.from({ length: count }, (_, n) => record(n, JSON.stringify({ n }), shardId));
}

/**
 * A JSON record whose PutEvents entry (default Source and DetailType, the test bus) is exactly
 * `size` bytes by the forwarder's formula; the loopback server checks it with its own.
 */
export function recordOfEntrySize(n: number, size: number): StreamRecord<Uint8Array> {
  const settings = { eventBusName: BUS_ARN, source: DEFAULT_SOURCE, detailType: DEFAULT_DETAIL_TYPE };
  const base = putEventsEntrySize(buildEntry(record(n, `{"n":${n},"p":""}`), settings));
  const pad = size - base;
  if (pad < 0) throw new Error(`an entry cannot be as small as ${size} bytes (at least ${base})`);
  return record(n, `{"n":${n},"p":"${'x'.repeat(pad)}"}`);
}

/** A client for the loopback server: dummy credentials, no SDK retries (the forwarder's own are under test). */
export function clientFor(server: EventBridgeServer, region = 'ap-northeast-1'): EventBridgeClient {
  return new EventBridgeClient({
    region,
    endpoint: server.endpoint,
    credentials: { accessKeyId: 'AKIDLOOPBACK', secretAccessKey: 'loopback-secret' },
    maxAttempts: 1,
  });
}

/** Fast retries with no jitter, for tests. */
export const FAST_RETRY = { attempts: 3, minDelayMs: 1, maxDelayMs: 5, jitter: false } as const;

/** A batch context: silent logger, an open signal, optional dead letter. */
export function context(
  overrides: { deadLetter?: DeadLetterHandler; deadline?: number; signal?: AbortSignal } = {},
): BatchContext {
  return { signal: overrides.signal ?? new AbortController().signal, logger: silentLogger, ...overrides };
}

/** The `n` field of a received event's envelope data. */
export function nOf(event: ReceivedEvent): number {
  return (JSON.parse(event.detail).data as { n: number }).n;
}

/** The loopback EventBridge server of a test file and a client for it (see {@link useEventBridgeServer}). */
export interface TestBus {
  readonly server: EventBridgeServer;
  readonly client: EventBridgeClient;
}

/**
 * Starts a loopback EventBridge server and a client for it before the file's tests, stops them
 * after; with `resetEach`, the server forgets what it received (and its faults) before each test.
 */
export function useEventBridgeServer(options: { resetEach?: boolean } = {}): TestBus {
  let server: EventBridgeServer | undefined;
  let client: EventBridgeClient | undefined;
  beforeAll(async () => {
    server = await startEventBridgeServer();
    client = clientFor(server);
  });
  afterAll(async () => {
    client?.destroy();
    await server?.stop();
  });
  if (options.resetEach) beforeEach(() => server?.reset());
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the EventBridge server is started in beforeAll');
    return value;
  };
  return {
    get server() {
      return started(server);
    },
    get client() {
      return started(client);
    },
  };
}
