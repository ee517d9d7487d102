/**
 * A poller of several streams when one stream goes away: deleted mid-run, it is reported failed
 * (status, /healthz, metrics) while the other keeps delivering (`onStreamFailure` 'continue', the
 * default), or it stops the poller (`'stop'`); deleted and created again under the same name, it
 * starts afresh from the starting position, not from the old stream's checkpoints.
 */
import { readdir } from 'node:fs/promises';
import { FileCheckpointStore, MemoryCheckpointStore, type StreamRecord } from '@streamshare/core';
import { createPoller, createPollerMetrics, type MultiStreamPollerOptions } from '@streamshare/poller';
import { describe, expect, it } from 'vitest';
import { FileStoreAdmin } from '../src/admin/file-admin.js';
import { healthOf } from '../src/http/health.js';
import { consumerClient, waitFor } from './helpers/engine-env.js';
import {
  creationEpoch,
  deleteStreamOf,
  EXTERNAL_ID,
  expectShardOrder,
  fleetTests,
  PRODUCERS,
  producerStreamOf,
  putTexts,
  Seen,
  tempDir,
} from './multi-stream-support.js';

const fleet = fleetTests();
const [a, b] = PRODUCERS;
const role = (producer: typeof a) => ({ roleArn: producer.roleArn, externalId: EXTERNAL_ID });

/** A poller of stream A (producer a's role) and B (producer b's), text records into `seen`, 50 ms idle reads. */
async function twoStreams(
  streamA: string,
  streamB: string,
  seen: Seen,
  options: Partial<MultiStreamPollerOptions> = {},
) {
  return fleet.track(
    createPoller({
      streams: [
        { streamArn: streamA, assumeRole: role(a) },
        { streamArn: streamB, assumeRole: role(b) },
      ],
      handler: (record: StreamRecord<unknown>) => seen.add(record),
      codec: 'text',
      checkpointDir: await tempDir(),
      idleTimeBetweenReadsMs: 50,
      ...options,
    }),
  );
}

describe('a poller of several streams, one stream deleted', () => {
  it('the deleted stream is reported failed in status, /healthz and metrics; the other keeps delivering', async () => {
    const streamA = await producerStreamOf(a, 'gone-a', 1);
    const streamB = await producerStreamOf(b, 'gone-b', 2);
    await fleet.environment();
    const before = [...(await putTexts(a, streamA, 'a', 5)), ...(await putTexts(b, streamB, 'b', 5))];
    const seen = new Seen();
    const metrics = createPollerMetrics({ processMetrics: false });
    const poller = await twoStreams(streamA, streamB, seen, { shardSyncIntervalMs: 300, observer: metrics.observer });
    await poller.start();
    await waitFor(
      () => seen.has(streamA, before.slice(0, 5)) && seen.has(streamB, before.slice(5)),
      'the records of both streams',
    );

    await deleteStreamOf(b, streamB);
    await waitFor(
      () => poller.status().streams?.find((s) => s.streamArn === streamB)?.state === 'failed',
      'stream B reported failed',
    );
    // Stream A goes on: records written after B's deletion are delivered.
    const after = await putTexts(a, streamA, 'a-after', 5);
    await waitFor(() => seen.has(streamA, after), 'stream A records written after B was deleted');

    const status = poller.status();
    expect(status.state).toBe('running');
    const [statusA, statusB] = status.streams!;
    expect(statusA).toMatchObject({ streamArn: streamA, state: 'running', shards: 1 });
    expect(statusB).toMatchObject({ streamArn: streamB, state: 'failed', errorCode: 'STREAM_NOT_FOUND', shards: 0 });
    expect(statusB!.error).toContain(streamB);
    const health = healthOf({ status, now: Date.now(), startedAt: Date.now(), maxPollAgeMs: 30_000 });
    expect(health.statusCode).toBe(200);
    expect(health.body.streams?.map((s) => [s.streamArn, s.state])).toEqual([
      [streamA, 'running'],
      [streamB, 'failed'],
    ]);
    expect(health.body.shards.every((shard) => shard.streamArn === streamA)).toBe(true);
    const text = await metrics.render();
    expect(text).toContain(`streamshare_stream_up{stream="${streamA}"} 1`);
    expect(text).toContain(`streamshare_stream_up{stream="${streamB}"} 0`);
    expectShardOrder(seen.byShard.values());

    await poller.stop();
    await expect(poller.done).resolves.toBeUndefined();
  });

  it("onStreamFailure 'stop': the deleted stream stops the whole poller, done rejects with its error", async () => {
    const streamA = await producerStreamOf(a, 'stop-a', 1);
    const streamB = await producerStreamOf(b, 'stop-b', 1);
    await fleet.environment();
    const texts = await putTexts(a, streamA, 'a', 3);
    const seen = new Seen();
    const poller = await twoStreams(streamA, streamB, seen, { shardSyncIntervalMs: 300, onStreamFailure: 'stop' });
    await poller.start();
    await waitFor(() => seen.has(streamA, texts), 'stream A records');
    await deleteStreamOf(b, streamB);
    const error = await poller.done.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as { code?: unknown }).code).toBe('STREAM_NOT_FOUND');
    expect(poller.status()).toMatchObject({ running: false, state: 'failed' });
    expect(poller.status().streams?.find((s) => s.streamArn === streamA)?.state).toBe('stopped');
  });

  it('a stream missing at start: reported failed while the other starts (continue); start() rejects under stop or when none starts', async () => {
    const streamA = await producerStreamOf(a, 'start-a', 1);
    const missing = streamA.replace(/stream\/.*$/, 'stream/never-created-streamshare');
    const texts = await putTexts(a, streamA, 'a', 3);
    const make = (streams: string[], onStreamFailure?: 'stop') => {
      const seen = new Seen();
      const poller = fleet.track(
        createPoller({
          streams: streams.map((streamArn) => ({ streamArn, kinesisClient: consumerClient() })),
          handler: (record: StreamRecord<unknown>) => seen.add(record),
          codec: 'text',
          checkpointStore: new MemoryCheckpointStore(),
          idleTimeBetweenReadsMs: 50,
          ...(onStreamFailure === undefined ? {} : { onStreamFailure }),
        }),
      );
      return { poller, seen };
    };

    const going = make([missing, streamA]);
    await going.poller.start();
    await waitFor(() => going.seen.has(streamA, texts), 'the records of the stream that exists');
    expect(going.poller.status().streams?.map((s) => [s.streamArn, s.state, s.errorCode])).toEqual([
      [missing, 'failed', 'STREAM_NOT_FOUND'],
      [streamA, 'running', undefined],
    ]);

    for (const { poller } of [make([streamA, missing], 'stop'), make([missing])]) {
      const error = await poller.start().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((error as { code?: unknown }).code).toBe('STREAM_NOT_FOUND');
      await expect(poller.done).rejects.toBe(error);
      expect(poller.status()).toMatchObject({ running: false, state: 'failed' });
    }
  });

  it('a stream deleted and created again under the same name starts from the start position, not the old checkpoints', async () => {
    const name = `again-${process.pid}-${Date.now().toString(36)}`;
    const streamA = await producerStreamOf(a, 'again-a', 1);
    const first = await producerStreamOf(b, '', 1, name);
    await fleet.environment();
    const dir = await tempDir();
    const run = async (texts: { a: string[]; b: string[] }, streamB: string): Promise<Seen> => {
      const seen = new Seen();
      const poller = await twoStreams(streamA, streamB, seen, { checkpointDir: dir });
      await poller.start();
      await waitFor(() => seen.has(streamA, texts.a) && seen.has(streamB, texts.b), 'every record of the run');
      await new Promise((resolve) => setTimeout(resolve, 300));
      await poller.stop();
      await poller.done;
      return seen;
    };

    const oldA = await putTexts(a, streamA, 'a-old', 3);
    const oldB = await putTexts(b, first, 'b-old', 6);
    await run({ a: oldA, b: oldB }, first);
    const oldEpoch = await creationEpoch(b, first);

    await deleteStreamOf(b, first);
    // The creation time has a resolution of one second: make sure the new stream's differs.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const again = await producerStreamOf(b, '', 1, name);
    expect(again).toBe(first);
    const newEpoch = await creationEpoch(b, again);
    expect(newEpoch).toBeGreaterThan(oldEpoch);
    const newB = await putTexts(b, again, 'b-new', 2);
    const newA = await putTexts(a, streamA, 'a-new', 2);
    const seen = await run({ a: newA, b: newB }, again);

    // The re-created stream was read from TRIM_HORIZON: every record of it, in order.
    expect(seen.texts(again)).toEqual(newB);
    // The other stream resumed from its checkpoint: nothing of the first run again.
    expect(seen.texts(streamA)).toEqual(newA);
    // The old stream's checkpoints are kept under its own key, apart from the new one's.
    const store = new FileCheckpointStore({ directory: dir });
    try {
      expect(await store.get(`${first}:${oldEpoch}`, 'shardId-000000000000')).toMatchObject({
        sequenceNumber: expect.any(String),
      });
      const fresh = await store.get(`${again}:${newEpoch}`, 'shardId-000000000000');
      expect(fresh).toMatchObject({ sequenceNumber: expect.any(String) });
      expect(await store.get(first, 'shardId-000000000000')).toBeUndefined();
    } finally {
      await store.close();
    }
    // `streamshare checkpoints list` (no --stream-arn) shows both keys of the directory.
    expect((await new FileStoreAdmin(dir).streams()).sort()).toEqual(
      [`${streamA}:${await creationEpoch(a, streamA)}`, `${first}:${oldEpoch}`, `${again}:${newEpoch}`].sort(),
    );
    const files = await readdir(dir);
    expect(files.filter((file) => file.includes(`${name}_`) && file.endsWith('.json'))).toHaveLength(2);
  });
});
