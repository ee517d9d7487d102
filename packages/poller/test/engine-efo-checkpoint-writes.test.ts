/**
 * Enhanced fan-out, issue 16's drain target: the checkpoint write of a page is pipelined (written
 * while the next pages are handled, at most one write in flight per shard, the newest checkpoint of
 * the pages settled meanwhile written next), so events arriving back to back cost fewer durable
 * writes than events; the checkpoint never passes a record not yet handled, and a restart from the
 * store reads on from there in order, nothing lost. kinesis-mock (globalSetup) holds the stream;
 * testkit's h2c server answers SubscribeToShard with scripted events.
 */
import { type Checkpoint, type CheckpointStore, MemoryCheckpointStore } from '@streamshare/core';
import { compareSequenceNumbers } from '@streamshare/core/internal';
import { createPoller, type PollerOptions } from '@streamshare/poller';
import { describe, expect, it } from 'vitest';
import { useEfoFixture } from './helpers/efo-fixture.js';
import { waitFor } from './helpers/engine-env.js';

const efo = useEfoFixture();
const { pollers } = efo;

const at = (n: number) => `4960000000000000000000000000000000000000000000000000${n}`;
const EVENTS = 30;

/**
 * A store whose puts take `delayMs` (a durable write), recording each put with the records handled
 * when it was asked for.
 */
function slowStore(inner: MemoryCheckpointStore, delayMs: number, handled: () => readonly string[]) {
  const puts: { checkpoint: Checkpoint; handledThen: readonly string[] }[] = [];
  const store: CheckpointStore = {
    get: (stream, shard) => inner.get(stream, shard),
    put: async (stream, shard, checkpoint) => {
      puts.push({ checkpoint, handledThen: [...handled()] });
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      await inner.put(stream, shard, checkpoint);
    },
  };
  return { store, puts };
}

describe('enhanced fan-out: checkpoint writes pipelined behind the reading', () => {
  it('events back to back cost fewer writes than events; no checkpoint passes a record not handled; a restart reads on in order', async () => {
    const { streamArn, consumerArn } = await efo.streamWithConsumer('efo-writes');
    const events = (from: number) =>
      Array.from({ length: EVENTS }, (_, i) => ({
        kind: 'event' as const,
        records: [{ data: `r${from + i}`, partitionKey: 'k', sequenceNumber: at(1000 + from + i) }],
        continuation: at(1000 + from + i),
      }));
    efo.server.enqueue({ kind: 'steps', steps: events(0), end: 'hang' });
    const inner = new MemoryCheckpointStore();
    const seen: string[] = [];
    const { store, puts } = slowStore(inner, 15, () => seen);
    const client = efo.h2Client();
    const options = {
      streamArn,
      consumerArn,
      kinesisClient: client,
      checkpointStore: store,
      codec: 'text',
      shardSyncIntervalMs: 60_000,
      handler: (record: { data: unknown }) => {
        seen.push(String(record.data));
      },
    } as PollerOptions;
    const first = createPoller(options);
    pollers.push(first);
    await first.start();
    await waitFor(() => seen.length >= EVENTS, 'every event handled');
    await first.stop();
    expect(seen).toEqual(events(0).map((e) => e.records[0]?.data));
    // One write per event before (30 writes of 15 ms in a row); now the pages settled while a write
    // is in flight are covered by the next one.
    expect(puts.length).toBeLessThan(EVENTS / 2);
    // Each checkpoint names a record handled when it was asked for, and they only move forward.
    let last = '0';
    for (const { checkpoint, handledThen } of puts) {
      const sequenceNumber = 'sequenceNumber' in checkpoint ? checkpoint.sequenceNumber : undefined;
      if (sequenceNumber === undefined) continue;
      const index = Number(sequenceNumber.slice(-4)) - 1000;
      expect(handledThen).toContain(`r${index}`);
      expect(compareSequenceNumbers(sequenceNumber, last)).toBeGreaterThan(0);
      last = sequenceNumber;
    }
    // stop() waits for the writes: the last record is checkpointed.
    const stored = await inner.get(streamArn, 'shardId-000000000000');
    expect(stored).toMatchObject({ sequenceNumber: at(1000 + EVENTS - 1), complete: true });

    // A restart subscribes after the last checkpoint and reads on, in order.
    efo.server.enqueue({ kind: 'steps', steps: events(EVENTS), end: 'hang' });
    const before = efo.server.calls.length;
    const second = createPoller(options);
    pollers.push(second);
    await second.start();
    await waitFor(() => seen.length >= 2 * EVENTS, 'the next events handled');
    await second.stop();
    expect(efo.server.calls[before]?.startingPosition).toEqual({
      Type: 'AFTER_SEQUENCE_NUMBER',
      SequenceNumber: at(1000 + EVENTS - 1),
    });
    expect(seen).toEqual([...events(0), ...events(EVENTS)].map((e) => e.records[0]?.data));
  });
});
