/**
 * Enhanced fan-out, issue 16's last reader gaps: events without records (heartbeats) advance the
 * checkpoint to their continuation (a restart subscribes from there), coalesced; and the watchdog
 * and re-subscribe interval are poller options (`subscription`), checked with typed errors.
 * kinesis-mock (globalSetup) holds the streams; testkit's h2c server answers SubscribeToShard.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidInputError, MemoryCheckpointStore } from '@streamshare/core';
import { createPoller, type PollerOptions } from '@streamshare/poller';
import { describe, expect, it } from 'vitest';
import { hostileThrownValues } from '../../core/test/fixtures/hostile-thrown.js';
import { heartbeatCheckpoint } from '../src/subscription/heartbeat-checkpoint.js';
import { useEfoFixture } from './helpers/efo-fixture.js';
import { waitFor } from './helpers/engine-env.js';

const efo = useEfoFixture();
const { pollers, dirs } = efo;
const h2Client = () => efo.h2Client();
const streamWithConsumer = (prefix: string) => efo.streamWithConsumer(prefix);

function poller(options: Partial<PollerOptions> & Pick<PollerOptions, 'streamArn' | 'consumerArn'>, seen: string[]) {
  const p = createPoller({
    handler: (record) => {
      seen.push(String(record.data));
    },
    codec: 'text',
    kinesisClient: h2Client(),
    shardSyncIntervalMs: 60_000,
    ...options,
  } as PollerOptions);
  pollers.push(p);
  return p;
}

const at = (n: number) => `4960000000000000000000000000000000000000000000000000${n}`;
const SHARD = 'shardId-000000000000';

describe('enhanced fan-out: events without records are checkpointed', () => {
  it('after heartbeats beyond the last record, a restart (file store) subscribes from the heartbeat continuation; a storm of them is one write', async () => {
    const { streamArn, consumerArn } = await streamWithConsumer('efo-heartbeat');
    const dir = await mkdtemp(join(tmpdir(), 'ss-efo-hb-'));
    dirs.push(dir);
    const records = ['a', 'b', 'c'].map((data, i) => ({ data, partitionKey: 'k', sequenceNumber: at(100 + i) }));
    efo.server.enqueue({
      kind: 'steps',
      steps: [
        { kind: 'event', records, continuation: at(102) },
        // Heartbeats: the continuation moves past the last record (AWS moves it with the shard's tip).
        { kind: 'event', continuation: at(200) },
        { kind: 'event', continuation: at(300) },
        { kind: 'event', continuation: at(400) },
      ],
      end: 'hang',
    });
    const seen: string[] = [];
    const first = poller({ streamArn, consumerArn, checkpointDir: dir }, seen);
    const before = efo.server.calls.length;
    await first.start();
    await waitFor(
      () => first.status().shards[0]?.checkpoint === `after ${at(200)}`,
      'the first heartbeat checkpointed',
    );
    expect(seen).toEqual(['a', 'b', 'c']);
    // The two heartbeats right after it are within the coalescing interval (1 s): no store write.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(first.status().shards[0]?.checkpoint).toBe(`after ${at(200)}`);
    await first.stop();

    efo.server.enqueue({ kind: 'steps', steps: [], end: 'hang' });
    const second = poller({ streamArn, consumerArn, checkpointDir: dir }, seen);
    await second.start();
    await waitFor(() => efo.server.calls.length >= before + 2, 'the restart subscribed');
    const calls = efo.server.calls.slice(before);
    expect(calls.map((c) => [c.shardId, c.startingPosition])).toEqual([
      [SHARD, { Type: 'TRIM_HORIZON' }],
      // Old code: AFTER_SEQUENCE_NUMBER the last record (at(102)): heartbeats were never checkpointed.
      [SHARD, { Type: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: at(200) }],
    ]);
    expect(seen).toEqual(['a', 'b', 'c']);
  });

  it('heartbeatCheckpoint: never past a record not yet done or a partly done aggregate, only forward, not from a starting position', () => {
    const done = {
      kind: 'checkpoint',
      checkpoint: { sequenceNumber: at(5), subSequenceNumber: 0, complete: true },
    } as const;
    expect(heartbeatCheckpoint(done, at(5))).toBeUndefined();
    expect(heartbeatCheckpoint(done, at(4))).toBeUndefined();
    expect(heartbeatCheckpoint(done, at(6))).toEqual({ sequenceNumber: at(6), subSequenceNumber: 0, complete: true });
    // A subscription AT_SEQUENCE_NUMBER a partly done aggregate or a record not yet done may say that very
    // number as its continuation before sending the record: not a sign the record is done.
    const partly = {
      kind: 'checkpoint',
      checkpoint: { sequenceNumber: at(5), subSequenceNumber: 2, complete: false },
    } as const;
    expect(heartbeatCheckpoint(partly, at(5))).toBeUndefined();
    expect(heartbeatCheckpoint({ kind: 'at', sequenceNumber: at(5) }, at(5))).toBeUndefined();
    expect(heartbeatCheckpoint({ kind: 'at', sequenceNumber: at(5) }, at(7))?.sequenceNumber).toBe(at(7));
    // Before the first record position, the starting position (or LATEST's start marker) stays what a restart reads from.
    expect(heartbeatCheckpoint({ kind: 'start', startingPosition: 'LATEST' }, at(1))).toBeUndefined();
    expect(heartbeatCheckpoint({ kind: 'start', startingPosition: 'TRIM_HORIZON' }, at(1))).toBeUndefined();
  });
});

describe('the subscription option: watchdog and re-subscribe interval', () => {
  const streamArn = 'arn:aws:kinesis:us-east-1:111122223333:stream/orders';
  const consumerArn = `${streamArn}/consumer/efo:1700000000`;
  const create = (options: Partial<PollerOptions>) => () =>
    createPoller({
      streamArn,
      consumerArn,
      handler: () => {},
      checkpointStore: new MemoryCheckpointStore(),
      kinesisClient: h2Client(),
      ...options,
    } as PollerOptions);

  it('refuses settings out of range, unknown settings and a subscription without consumerArn (INVALID_OPTION, naming the setting)', () => {
    const refused = (subscription: unknown, setting: string) => {
      expect(create({ subscription } as Partial<PollerOptions>)).toThrow(InvalidInputError);
      expect(create({ subscription } as Partial<PollerOptions>)).toThrow(
        expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringContaining(setting) }),
      );
    };
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31, '15000', null]) {
      refused({ silenceTimeoutMs: bad }, 'subscription.silenceTimeoutMs');
    }
    for (const bad of [4999, 0, -5000, Number.NaN, 2 ** 31, '5000', true]) {
      refused({ resubscribeIntervalMs: bad }, 'subscription.resubscribeIntervalMs');
    }
    refused({ resubscribeIntervalMs: 1000 }, 'ResourceInUseException');
    refused({ silenceMs: 1000 }, 'subscription.silenceMs is not a setting');
    refused(5000, 'subscription must be an object');
    refused([], 'subscription must be an object');
    // Hostile values (a Proxy, a throwing getter, a null-prototype object...) as a setting: still the typed error.
    for (const [name, make] of Object.entries(hostileThrownValues)) {
      if (name === 'undefined') continue; // not given: the default
      expect(create({ subscription: { silenceTimeoutMs: make() } } as Partial<PollerOptions>), name).toThrow(
        expect.objectContaining({ code: 'INVALID_OPTION' }),
      );
    }
    expect(
      create({ consumerArn: undefined, subscription: { silenceTimeoutMs: 20_000 } } as Partial<PollerOptions>),
    ).toThrow(expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringContaining('consumerArn') }));
    expect(create({ subscription: { silenceTimeoutMs: 20_000, resubscribeIntervalMs: 5000 } })).not.toThrow();
    expect(create({ subscription: {} })).not.toThrow();
  });

  it('silenceTimeoutMs and resubscribeIntervalMs are the watchdog and the least interval between subscriptions', async () => {
    const { streamArn: stream, consumerArn: consumer } = await streamWithConsumer('efo-timings');
    // Silent subscriptions: no event at all (the default watchdog, 15 s, would not fire within this test).
    efo.server.enqueue({ kind: 'steps', steps: [], end: 'hang' }, { kind: 'steps', steps: [], end: 'hang' });
    const before = efo.server.calls.length;
    const subscribedAt: number[] = [];
    const p = poller(
      {
        streamArn: stream,
        consumerArn: consumer,
        checkpointStore: new MemoryCheckpointStore(),
        subscription: { silenceTimeoutMs: 400, resubscribeIntervalMs: 6_000 },
      },
      [],
    );
    await p.start();
    await waitFor(
      () => {
        while (subscribedAt.length < efo.server.calls.length - before) subscribedAt.push(Date.now());
        return subscribedAt.length >= 2;
      },
      'a second subscription',
      12_000,
    );
    const gap = (subscribedAt[1] ?? 0) - (subscribedAt[0] ?? 0);
    // Silent for 400 ms, then not within 6 s of the first subscription (the default would be 5 s).
    expect(gap).toBeGreaterThanOrEqual(5_900);
    expect(gap).toBeLessThan(8_000);
  }, 20_000);
});
