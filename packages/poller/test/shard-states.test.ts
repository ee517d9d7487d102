import { readFileSync } from 'node:fs';
import { MemoryCheckpointStore } from '@streamshare/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LocalCoordinator } from '../src/coordination/local-coordinator.js';
import type { ShardCoordinator } from '../src/coordination/shard-coordinator.js';
import { DynamoDbLeaseCoordinator } from '../src/leases/dynamodb-lease-coordinator.js';
import { isActive, nextPollerState, POLLER_EVENTS, POLLER_STATES } from '../src/poller/lifecycle.js';
import {
  INITIAL_SHARD_STATE,
  isReaderEnd,
  nextShardState,
  SHARD_EVENT_TYPES,
  SHARD_STATE_KINDS,
  type ShardEvent,
  type ShardEventType,
  type ShardState,
  type ShardStateKind,
} from '../src/reader/shard-state.js';

/** One state of each kind, with payloads the transitions must carry over. */
const SAMPLE_STATES: Record<ShardStateKind, ShardState> = {
  initializing: { kind: 'initializing' },
  seeking: { kind: 'seeking', blockedInARow: 2 },
  processing: { kind: 'processing', iterator: 'it-1', blockedInARow: 2 },
  idle: { kind: 'idle', iterator: 'it-1', blockedInARow: 2 },
  blocked: { kind: 'blocked', attempt: 3 },
  'shard-end': { kind: 'shard-end' },
  finished: { kind: 'finished' },
  lost: { kind: 'lost' },
  stopped: { kind: 'stopped' },
};

const SAMPLE_EVENTS: Record<ShardEventType, ShardEvent> = {
  'checkpoint-read': { type: 'checkpoint-read' },
  'iterator-taken': { type: 'iterator-taken', iterator: 'it-2' },
  'page-read': { type: 'page-read', nextIterator: 'it-2', delivered: false, atTip: false },
  'batch-blocked': { type: 'batch-blocked' },
  waited: { type: 'waited' },
  'iterator-expired': { type: 'iterator-expired' },
  'shard-ended': { type: 'shard-ended' },
  'finish-recorded': { type: 'finish-recorded' },
  'stop-requested': { type: 'stop-requested' },
  'lease-lost': { type: 'lease-lost' },
};

const ENDS = { 'stop-requested': { kind: 'stopped' }, 'lease-lost': { kind: 'lost' } } as const;

/** The whole table, written out: every pair not listed cannot happen (undefined). */
const EXPECTED: Record<ShardStateKind, Partial<Record<ShardEventType, ShardState>>> = {
  initializing: {
    'checkpoint-read': { kind: 'seeking', blockedInARow: 0 },
    'shard-ended': { kind: 'shard-end' },
    ...ENDS,
  },
  seeking: {
    'iterator-taken': { kind: 'processing', iterator: 'it-2', blockedInARow: 2 },
    'iterator-expired': { kind: 'seeking', blockedInARow: 2 },
    'shard-ended': { kind: 'shard-end' },
    ...ENDS,
  },
  processing: {
    'page-read': { kind: 'processing', iterator: 'it-2', blockedInARow: 2 },
    'batch-blocked': { kind: 'blocked', attempt: 3 },
    'iterator-expired': { kind: 'seeking', blockedInARow: 2 },
    'shard-ended': { kind: 'shard-end' },
    ...ENDS,
  },
  idle: { waited: { kind: 'processing', iterator: 'it-1', blockedInARow: 2 }, ...ENDS },
  blocked: { waited: { kind: 'seeking', blockedInARow: 3 }, ...ENDS },
  'shard-end': { 'finish-recorded': { kind: 'finished' }, ...ENDS },
  finished: {},
  lost: {},
  stopped: {},
};

describe('shard states', () => {
  it('the lists name every state and event once', () => {
    expect([...SHARD_STATE_KINDS].sort()).toEqual(Object.keys(SAMPLE_STATES).sort());
    expect([...SHARD_EVENT_TYPES].sort()).toEqual(Object.keys(SAMPLE_EVENTS).sort());
    expect(INITIAL_SHARD_STATE).toEqual({ kind: 'initializing' });
  });

  const pairs = SHARD_STATE_KINDS.flatMap((kind) => SHARD_EVENT_TYPES.map((type) => [kind, type] as const));
  it.each(pairs)('%s + %s', (kind, type) => {
    expect(nextShardState(SAMPLE_STATES[kind], SAMPLE_EVENTS[type])).toEqual(EXPECTED[kind][type]);
  });

  it('a page read goes idle at the tip, and a delivered batch clears the blocked count', () => {
    const processing = SAMPLE_STATES.processing;
    const page = (delivered: boolean, atTip: boolean): ShardEvent => ({
      type: 'page-read',
      nextIterator: 'next',
      delivered,
      atTip,
    });
    expect(nextShardState(processing, page(false, true))).toEqual({ kind: 'idle', iterator: 'next', blockedInARow: 2 });
    expect(nextShardState(processing, page(true, false))).toEqual({
      kind: 'processing',
      iterator: 'next',
      blockedInARow: 0,
    });
  });

  it('only the ends are terminal', () => {
    expect(SHARD_STATE_KINDS.filter((kind) => isReaderEnd(SAMPLE_STATES[kind]))).toEqual([
      'finished',
      'lost',
      'stopped',
    ]);
  });

  /** One step of a walk: which of the events that apply in the state (a stop or a lost lease now and then). */
  const step = fc.record({
    // Unbiased: small values would pick the first event and end walks early.
    pick: fc.noBias(fc.nat()),
    end: fc.noBias(fc.integer({ min: 0, max: 39 })),
    iterator: fc.string(),
    delivered: fc.boolean(),
    atTip: fc.boolean(),
  });

  it('any walk: the blocked attempt counts the batches blocked since the last delivery; ends are final', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 10, maxLength: 80, size: 'max' }), (steps) => {
        let state = INITIAL_SHARD_STATE;
        let blockedSinceDelivery = 0;
        for (const { pick, end, iterator, delivered, atTip } of steps) {
          const events = SHARD_EVENT_TYPES.map((type): ShardEvent => {
            if (type === 'iterator-taken') return { type, iterator };
            if (type === 'page-read') return { type, nextIterator: iterator, delivered, atTip };
            return SAMPLE_EVENTS[type];
          });
          if (isReaderEnd(state)) {
            for (const e of events) expect(nextShardState(state, e)).toBeUndefined();
            break;
          }
          const going = events.filter((e) => e.type !== 'stop-requested' && e.type !== 'lease-lost');
          const applies = going.filter((e) => nextShardState(state, e) !== undefined);
          expect(applies.length).toBeGreaterThan(0); // a live state always has a way on
          const e =
            end === 0
              ? SAMPLE_EVENTS['stop-requested']
              : end === 1
                ? SAMPLE_EVENTS['lease-lost']
                : applies[pick % applies.length]!;
          const next = nextShardState(state, e);
          if (next === undefined) throw new Error(`${e.type} does not apply in ${state.kind}`);
          if (e.type === 'stop-requested') expect(next.kind).toBe('stopped');
          if (e.type === 'lease-lost') expect(next.kind).toBe('lost');
          if (e.type === 'page-read' && e.delivered) blockedSinceDelivery = 0;
          if (e.type === 'batch-blocked') {
            blockedSinceDelivery++;
            expect(next).toEqual({ kind: 'blocked', attempt: blockedSinceDelivery });
          }
          if (next.kind === 'processing' || next.kind === 'idle' || next.kind === 'seeking') {
            expect(next.blockedInARow).toBe(blockedSinceDelivery);
          }
          if ((next.kind === 'processing' || next.kind === 'idle') && e.type !== 'waited') {
            expect(next.iterator).toBe(iterator); // the iterator just taken or returned is the one read next
          }
          state = next;
        }
      }),
      { numRuns: 500 },
    );
  });
});

/** Every transition of the poller, as `state event next`; any other pair does not apply. */
const POLLER_ARROWS = [
  'new start starting',
  'new stop stopping',
  'starting started running',
  'starting stop stopping',
  'running stop stopping',
  'stopping stopped stopped',
  'stopping failed failed',
];

describe('poller lifecycle', () => {
  const pairs = POLLER_STATES.flatMap((state) => POLLER_EVENTS.map((event) => [state, event] as const));
  it.each(pairs)('%s + %s', (state, event) => {
    const arrow = POLLER_ARROWS.find((line) => line.startsWith(`${state} ${event} `));
    expect(nextPollerState(state, event)).toBe(arrow?.split(' ')[2]);
  });

  it('is active (reads, syncs, status().running) while starting or running', () => {
    expect(POLLER_STATES.filter(isActive)).toEqual(['starting', 'running']);
  });
});

describe('the coordinators say what the scheduler needs', () => {
  const ARN = 'arn:aws:kinesis:us-east-1:999900009999:stream/s';
  const closed = { shardId: 'shardId-000000000000', endingSequenceNumber: '99' };
  const open = { shardId: 'shardId-000000000001' };

  it('LocalCoordinator: all finished once every listed shard is closed and none is left to read', async () => {
    const local = new LocalCoordinator(new MemoryCheckpointStore(), { streamArn: ARN });
    const coordinator: ShardCoordinator = local;
    expect(coordinator.syncIntervalMs).toBeUndefined(); // the poller's listing period
    expect(local.allFinished([])).toBe(false);
    expect(await local.sync([closed])).toEqual([closed.shardId]);
    expect(local.allFinished([closed])).toBe(false);
    await local.markFinished(closed.shardId);
    expect(await local.sync([closed])).toEqual([]);
    expect(local.allFinished([closed])).toBe(true);
    expect(local.allFinished([closed, open])).toBe(false);
  });

  it('DynamoDbLeaseCoordinator: syncs on its renewal period, never "all finished" (other workers)', () => {
    const leases = new DynamoDbLeaseCoordinator({
      client: () => Promise.reject(new Error('not called')),
      tableName: 'leases',
      streamArn: ARN,
      failoverTimeMs: 9_000,
    });
    expect(leases.syncIntervalMs).toBe(3_000);
    expect(leases.allFinished([closed])).toBe(false);
    expect(leases.storeDescription).toMatch(/^lease table leases \(worker /);
  });
});

describe('README state diagrams', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const start = readme.indexOf('## Shard states');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const blocks = [...section.matchAll(/```(\w*)\n([\s\S]*?)```/g)];
  const shardDiagram = blocks.find((block) => block[1] === 'mermaid')?.[2] ?? '';
  const pollerDiagram = blocks.find((block) => block[1] === '')?.[2] ?? '';

  it('the shard diagram names every state and event of shard-state.ts', () => {
    expect(start).toBeGreaterThan(0);
    for (const kind of SHARD_STATE_KINDS) expect(shardDiagram).toMatch(new RegExp(`\\b${kind}\\b`));
    for (const type of SHARD_EVENT_TYPES) expect(shardDiagram).toContain(`: ${type}`);
  });

  it('the poller diagram names every state and event of lifecycle.ts', () => {
    for (const state of POLLER_STATES) expect(pollerDiagram).toMatch(new RegExp(`\\b${state}\\b`));
    for (const event of POLLER_EVENTS) expect(pollerDiagram).toMatch(new RegExp(`-${event}-`));
  });
});
