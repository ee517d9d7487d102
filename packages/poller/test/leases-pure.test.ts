import { backoffDelay, compareCheckpoints } from '@streamshare/core/internal';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isProcessable, planTakes } from '../src/leases/balance.js';
import { checkpointOrderKey } from '../src/leases/checkpoint-order.js';
import { ExpiryTracker } from '../src/leases/expiry-tracker.js';
import type { Lease } from '../src/leases/lease.js';
import { KeyedSerializer, mapLimit } from '../src/leases/serial.js';

function lease(shardId: string, owner?: string, extra: Partial<Lease> = {}): Lease {
  return {
    streamArn: 'arn',
    shardId,
    owner,
    counter: 1,
    checkpoint: undefined,
    finished: false,
    parentShardIds: [],
    renewedAt: undefined,
    ...extra,
  };
}

describe('checkpointOrderKey', () => {
  const checkpoint = fc.record({
    sequenceNumber: fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 128n }).map(String), fc.stringMatching(/^\d{1,60}$/)),
    subSequenceNumber: fc.nat({ max: 2 ** 40 }),
    complete: fc.boolean(),
  });

  it('orders keys as strings exactly as checkpoints are ordered', () => {
    fc.assert(
      fc.property(checkpoint, checkpoint, (a, b) => {
        const byBytes =
          checkpointOrderKey(a) < checkpointOrderKey(b) ? -1 : checkpointOrderKey(a) > checkpointOrderKey(b) ? 1 : 0;
        expect(byBytes).toBe(Math.sign(compareCheckpoints(a, b)));
      }),
    );
  });

  it('ignores leading zeros of the sequence number', () => {
    expect(checkpointOrderKey({ sequenceNumber: '0042', subSequenceNumber: 0, complete: true })).toBe(
      checkpointOrderKey({ sequenceNumber: '42', subSequenceNumber: 0, complete: true }),
    );
  });
});

describe('ExpiryTracker', () => {
  it('judges expiry on local observation of the counter, not on any wall clock', () => {
    const tracker = new ExpiryTracker(1000);
    const a = lease('s1', 'w1', { counter: 5, renewedAt: 0 });
    tracker.observe(a, 100);
    expect(tracker.isExpired(a, 1099)).toBe(false);
    expect(tracker.isExpired(a, 1100)).toBe(true);
    // the counter moved: the clock starts again from this observation
    const renewed = { ...a, counter: 6 };
    tracker.observe(renewed, 1200);
    expect(tracker.isExpired(renewed, 2100)).toBe(false);
    expect(tracker.isExpired(renewed, 2200)).toBe(true);
    // an older read arriving late does not reset it
    tracker.observe(a, 2300);
    expect(tracker.isExpired(renewed, 2300)).toBe(true);
  });

  it('never calls a free lease expired, and a lease not yet observed is not expired', () => {
    const tracker = new ExpiryTracker(10);
    expect(tracker.isExpired(lease('s1'), 1e9)).toBe(false);
    expect(tracker.isExpired(lease('s2', 'w'), 1e9)).toBe(false);
  });
});

describe('isProcessable', () => {
  const shards = new Map([
    ['p', { shardId: 'p', endingSequenceNumber: '10' }],
    ['c', { shardId: 'c', parentShardId: 'p', adjacentParentShardId: 'gone' }],
  ]);

  it('waits for a listed parent to finish; a parent gone from the list counts as finished', () => {
    const parent = lease('p');
    const child = lease('c');
    expect(isProcessable(child, shards, new Map([['p', parent]]))).toBe(false);
    expect(isProcessable(child, shards, new Map([['p', { ...parent, finished: true }]]))).toBe(true);
    expect(isProcessable({ ...child, finished: true }, shards, new Map([['p', { ...parent, finished: true }]]))).toBe(
      false,
    );
  });
});

describe('planTakes', () => {
  const never = () => false;
  const first = () => 0;

  it('takes every free lease up to the target on the first sync', () => {
    const plan = planTakes({
      workerId: 'me',
      processable: [lease('a'), lease('b'), lease('c')],
      held: new Set(),
      isExpired: never,
      random: first,
    });
    expect(plan.target).toBe(3);
    expect(plan.take.map((l) => l.shardId).sort()).toEqual(['a', 'b', 'c']);
    expect(plan.steal).toBeUndefined();
  });

  it('takes expired leases before stealing, and counts their owner out of the workers', () => {
    const plan = planTakes({
      workerId: 'me',
      processable: [lease('a', 'dead'), lease('b', 'dead'), lease('c', 'w2'), lease('d', 'w2')],
      held: new Set(),
      isExpired: (l) => l.owner === 'dead',
      random: first,
    });
    expect(plan.workers).toBe(2);
    expect(plan.target).toBe(2);
    expect(plan.take.map((l) => l.shardId).sort()).toEqual(['a', 'b']);
    expect(plan.steal).toBeUndefined();
  });

  it('steals at most one lease, from the busiest worker, only when it is above target', () => {
    const processable = [
      ...['a', 'b', 'c', 'd'].map((id) => lease(id, 'busy')),
      ...['e', 'f'].map((id) => lease(id, 'other')),
    ];
    const plan = planTakes({ workerId: 'me', processable, held: new Set(), isExpired: never, random: first });
    expect(plan.target).toBe(2);
    expect(plan.take).toEqual([]);
    expect(plan.steal?.owner).toBe('busy');
  });

  it('settles: no stealing when the busiest is at target and one lease short', () => {
    // 7 leases over 3 workers: target 3; 3/2/2 is balanced
    const processable = [
      ...['a', 'b', 'c'].map((id) => lease(id, 'w1')),
      ...['d', 'e'].map((id) => lease(id, 'w2')),
      ...['f', 'g'].map((id) => lease(id, 'me')),
    ];
    const plan = planTakes({ workerId: 'me', processable, held: new Set(['f', 'g']), isExpired: never, random: first });
    expect(plan.target).toBe(3);
    expect(plan.steal).toBeUndefined();
    expect(plan.take).toEqual([]);
  });

  it('steals one when at target but short by more than one (3/3/1 -> 3/2/2)', () => {
    const processable = [
      ...['a', 'b', 'c'].map((id) => lease(id, 'w1')),
      ...['d', 'e', 'f'].map((id) => lease(id, 'w2')),
      lease('g', 'me'),
    ];
    const plan = planTakes({ workerId: 'me', processable, held: new Set(['g']), isExpired: never, random: first });
    expect(plan.steal).toBeDefined();
  });

  it('converges from any start to counts differing by at most one, one steal per worker per round', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 24 }),
        fc.integer({ min: 1, max: 6 }),
        fc.nat(),
        (leases, workers, seed) => {
          let s = seed;
          const random = () => {
            s = (s * 1103515245 + 12345) % 2 ** 31;
            return s / 2 ** 31;
          };
          // everyone starts with nothing but worker 0 holds all (the worst start)
          const owner = new Map(Array.from({ length: leases }, (_, i) => [`s${i}`, 'w0']));
          for (let round = 0; round < leases * workers + 5; round++) {
            for (let w = 0; w < workers; w++) {
              const me = `w${w}`;
              const processable = [...owner].map(([id, o]) => lease(id, o));
              const held = new Set([...owner].filter(([, o]) => o === me).map(([id]) => id));
              const plan = planTakes({ workerId: me, processable, held, isExpired: never, random });
              expect(plan.take.length).toBe(0);
              if (plan.steal) owner.set(plan.steal.shardId, me);
            }
          }
          const counts = Array.from(
            { length: workers },
            (_, w) => [...owner.values()].filter((o) => o === `w${w}`).length,
          );
          expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('backoffDelay', () => {
  it('stays within the exponential ceiling and the cap', () => {
    expect(backoffDelay(1, { minMs: 100, maxMs: 2000 }, () => 0.999)).toBeLessThan(100);
    expect(backoffDelay(4, { minMs: 100, maxMs: 2000 }, () => 0.999)).toBeLessThan(800);
    expect(backoffDelay(20, { minMs: 100, maxMs: 2000 }, () => 0.999)).toBeLessThan(2000);
  });
});

describe('KeyedSerializer and mapLimit', () => {
  it('runs tasks of one key one after another, even when one fails, and keys side by side', async () => {
    const serial = new KeyedSerializer();
    const log: string[] = [];
    const task =
      (name: string, ms: number, fail = false) =>
      async () => {
        log.push(`${name}+`);
        await new Promise((resolve) => setTimeout(resolve, ms));
        log.push(`${name}-`);
        if (fail) throw new Error(name);
      };
    const a1 = serial.run('a', task('a1', 30, true));
    const a2 = serial.run('a', task('a2', 1));
    const b1 = serial.run('b', task('b1', 5));
    await expect(a1).rejects.toThrow('a1');
    await Promise.all([a2, b1]);
    expect(log.indexOf('a2+')).toBeGreaterThan(log.indexOf('a1-'));
    expect(log.indexOf('b1-')).toBeLessThan(log.indexOf('a1-'));
  });

  it('keeps at most `limit` calls in flight and results in order', async () => {
    let inFlight = 0;
    let peak = 0;
    const out = await mapLimit([5, 1, 4, 2, 3], 2, async (n) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, n * 3));
      inFlight--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(peak).toBe(2);
  });
});
