// sliceResponse with the real AWS SDK client against the scale benchmark's local Kinesis (real HTTP on
// 127.0.0.1): the turn of a request ends when its response is in, before the SDK parses it, and the
// parse waits for a slice of the event loop; pages and modeled errors come out as without it.
import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BENCH_STREAM_ARN, type KinesisServer, shardIdOf, startKinesisServer } from '../bench/lib/kinesis-server.mjs';
import { LoopSlices } from '../src/scheduling/loop-slices.js';
import { RequestScheduler } from '../src/scheduling/request-scheduler.js';
import { sliceResponse } from '../src/scheduling/response-slice.js';

let server: KinesisServer;
let kinesis: KinesisClient;
beforeAll(async () => {
  server = await startKinesisServer({ shards: 2, records: 30, pageRecords: 10, recordBytes: 2048 });
  kinesis = new KinesisClient({
    endpoint: server.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler(),
  });
});
afterAll(async () => {
  kinesis?.destroy();
  await server?.close();
});

/** Slices that record each pass, and make it wait for the loop's next turn. */
class RecordingSlices extends LoopSlices {
  constructor(private readonly events: string[]) {
    super({ sliceMs: 0 });
  }
  override pass(): Promise<undefined> | undefined {
    this.events.push('slice asked');
    return new Promise((resolve) =>
      setImmediate(() => {
        this.events.push('slice given');
        resolve(undefined);
      }),
    );
  }
}

async function iterator(): Promise<string> {
  const out = await kinesis.send(
    new GetShardIteratorCommand({
      StreamARN: BENCH_STREAM_ARN,
      ShardId: shardIdOf(0),
      ShardIteratorType: 'TRIM_HORIZON',
    }),
  );
  return out.ShardIterator as string;
}

describe('sliceResponse', () => {
  it('ends the turn once the response is in, then waits for a slice, then the SDK parses the page as usual', async () => {
    const events: string[] = [];
    const command = new GetRecordsCommand({ StreamARN: BENCH_STREAM_ARN, ShardIterator: await iterator() });
    sliceResponse(
      command.middlewareStack,
      { release: () => events.push('turn released') },
      new RecordingSlices(events),
    );
    const page = await kinesis.send(command);
    events.push('parsed');
    expect(events).toEqual(['turn released', 'slice asked', 'slice given', 'parsed']);
    expect(page.Records).toHaveLength(10);
    expect(page.Records?.[0]?.Data).toHaveLength(2048);
    expect(page.NextShardIterator).toEqual(expect.any(String));
  });

  it('an error response still becomes the modeled error, after the turn ended', async () => {
    const events: string[] = [];
    const command = new GetShardIteratorCommand({
      StreamARN: BENCH_STREAM_ARN,
      ShardId: 'shardId-999999999999',
      ShardIteratorType: 'TRIM_HORIZON',
    });
    sliceResponse(command.middlewareStack, { release: () => events.push('turn released') }, new LoopSlices());
    await expect(kinesis.send(command)).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    expect(events).toEqual(['turn released']);
  });

  it("through the scheduler: the turn's latency is the network's, not the time its page waited for a slice", async () => {
    server.setup({ shards: 2, records: 30, pageRecords: 10, latencyMs: 40 });
    try {
      let now = 0;
      const scheduler = new RequestScheduler({
        maxInFlight: 4,
        tickMs: 0,
        now: () => now,
        slices: null,
      });
      const first = await iterator();
      const page = await scheduler.run(async (turn) => {
        const command = new GetRecordsCommand({ StreamARN: BENCH_STREAM_ARN, ShardIterator: first });
        // The slice is given 500 ms (on the scheduler's clock) after the response is in.
        sliceResponse(command.middlewareStack, turn, {
          pass: () => {
            now += 500;
            return undefined;
          },
        } as unknown as LoopSlices);
        now += 40;
        return kinesis.send(command);
      });
      expect(page.Records).toHaveLength(10);
      expect(scheduler.stats().latencyMs).toBe(40);
    } finally {
      server.setup({ shards: 2, records: 30, pageRecords: 10, recordBytes: 2048 });
    }
  });
});
