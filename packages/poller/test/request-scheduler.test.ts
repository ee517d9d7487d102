import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AbortedError } from '../src/calls/call-with-retries.js';
import { RequestScheduler, type Turn } from '../src/scheduling/request-scheduler.js';
import { maxRequestsInFlight, POLLER_KINESIS_SOCKETS, SDK_DEFAULT_SOCKETS } from '../src/scheduling/request-slots.js';

/** A scheduler without timers (tickMs 0) on a hand-moved clock. */
function scheduler(options: Partial<ConstructorParameters<typeof RequestScheduler>[0]> = {}) {
  let now = 0;
  const s = new RequestScheduler({ maxInFlight: 4, minInFlight: 2, tickMs: 0, now: () => now, ...options });
  return {
    s,
    advance(ms: number) {
      now += ms;
    },
  };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

/**
 * A scheduler of one turn (idleMaxWaitMs 1 s) whose turn is held; `take` asks for a turn that,
 * once granted, writes its name in `order` and is released.
 */
async function oneTurnHeld() {
  const { s, advance } = scheduler({ maxInFlight: 1, minInFlight: 1, idleMaxWaitMs: 1_000 });
  const held = await s.acquire();
  const order: string[] = [];
  const take = (name: string, priority: 'busy' | 'idle') =>
    s.acquire(undefined, priority).then((turn) => {
      order.push(name);
      turn.release();
    });
  return { s, advance, held, order, take };
}

describe('RequestScheduler', () => {
  it('lets at most `limit` turns out at once; the others wait and are granted first come, first served', async () => {
    const { s } = scheduler();
    expect(s.limit).toBe(2);
    const order: number[] = [];
    const turns: Turn[] = [];
    const asks = Array.from({ length: 6 }, (_, i) =>
      s.acquire().then((turn) => {
        order.push(i);
        turns.push(turn);
      }),
    );
    await flush();
    expect(order).toEqual([0, 1]);
    expect(s.stats()).toMatchObject({ inFlight: 2, waiting: 4 });
    turns[0]?.release();
    turns[0]?.release(); // a second release does nothing
    await flush();
    expect(order).toEqual([0, 1, 2]);
    for (let i = 1; i < 6; i++) {
      turns[i]?.release();
      await flush();
    }
    await Promise.all(asks);
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
    expect(s.stats()).toMatchObject({ inFlight: 0, waiting: 0, granted: 6, waited: 4, peakInFlight: 2 });
  });

  it('never has more than its limit out, and grants every ask (property: any order of asks and releases)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.boolean(), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 5 }),
        async (steps, max) => {
          const { s } = scheduler({ maxInFlight: max, minInFlight: 1 });
          const out: Turn[] = [];
          let asked = 0;
          let granted = 0;
          for (const ask of steps) {
            if (ask) {
              asked++;
              void s.acquire().then((turn) => {
                granted++;
                out.push(turn);
              });
            } else {
              out.shift()?.release();
            }
            await flush();
            expect(s.stats().inFlight).toBeLessThanOrEqual(s.limit);
          }
          while (out.length > 0) {
            out.shift()?.release();
            await flush();
          }
          expect(granted).toBe(asked);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('a waiting turn whose signal aborts rejects with AbortedError and gives its place to the next', async () => {
    const { s } = scheduler({ maxInFlight: 1, minInFlight: 1 });
    const first = await s.acquire();
    const stop = new AbortController();
    const aborted = s.acquire(stop.signal);
    const next = s.acquire();
    stop.abort();
    await expect(aborted).rejects.toBeInstanceOf(AbortedError);
    first.release();
    await expect(next).resolves.toBeDefined();
    expect(s.stats()).toMatchObject({ inFlight: 1, waiting: 0 });
    await expect(s.acquire(stop.signal)).rejects.toBeInstanceOf(AbortedError);
  });

  it('serves busy shards before idle ones, and an idle one once it waited idleMaxWaitMs', async () => {
    const { s, advance, held, order, take } = await oneTurnHeld();
    const idle = take('idle', 'idle');
    advance(10);
    const busy1 = take('busy1', 'busy');
    const busy2 = take('busy2', 'busy');
    held.release();
    await Promise.all([idle, busy1, busy2]);
    expect(order).toEqual(['busy1', 'busy2', 'idle']);

    // An idle turn that waited long enough goes before busy ones.
    order.length = 0;
    const held2 = await s.acquire();
    const late = take('idle', 'idle');
    advance(1_000);
    const busy3 = take('busy3', 'busy');
    held2.release();
    await Promise.all([late, busy3]);
    expect(order).toEqual(['idle', 'busy3']);
  });

  it('sizes the limit to shards × latency ÷ the target interval when turns wait, within min and max', async () => {
    const { s, advance } = scheduler({ maxInFlight: 200, minInFlight: 4, initialLatencyMs: 100 });
    for (let i = 0; i < 1024; i++) s.join();
    // 1 024 shards at 100 ms: 103 turns out at once to read each shard once a second.
    expect(s.limit).toBe(103);
    // Latency seen of 300 ms: the floor rises (to the max) once turns wait.
    for (let i = 0; i < 200; i++) {
      const turn = await s.acquire();
      advance(300);
      turn.release();
    }
    void s.acquire();
    for (let i = 0; i < 103; i++) void s.acquire();
    s.adjust(0);
    expect(s.limit).toBe(200);
    for (let i = 0; i < 1024; i++) s.leave();
  });

  it("sizes the floor on the mean latency of the last second (Little's law), not on its shortest turn", async () => {
    const { s, advance } = scheduler({ maxInFlight: 400, minInFlight: 4, initialLatencyMs: 100 });
    for (let i = 0; i < 1024; i++) s.join();
    // In one second, 100 turns out at once: one answered after 10 ms, 99 after 300 ms (a far region,
    // one answer that came fast).
    const turns = await Promise.all(Array.from({ length: 100 }, () => s.acquire()));
    advance(10);
    turns[0]?.release();
    advance(290);
    for (const turn of turns.slice(1)) turn.release();
    // The next second: the last one's mean, 297.1 ms, sizes the floor: ceil(1 024 × 0.2971).
    advance(800);
    (await s.acquire()).release();
    expect(s.stats().latencyMs).toBeCloseTo(297.1, 1);
    expect(s.limit).toBe(305);
    for (let i = 0; i < 1024; i++) s.leave();
  });

  it('lowers the limit while the event loop falls behind and raises it again while turns wait', async () => {
    const { s } = scheduler({ maxInFlight: 100, minInFlight: 4, initialLatencyMs: 1 });
    s.join();
    const turns: Turn[] = [];
    for (let i = 0; i < 50; i++) void s.acquire().then((t) => turns.push(t));
    await flush();
    expect(s.limit).toBe(4);
    s.adjust(0); // turns waited, the loop keeps up: ×1.5
    expect(s.limit).toBe(6);
    for (let i = 0; i < 20; i++) s.adjust(0);
    const raised = s.limit;
    expect(raised).toBeGreaterThan(20);
    await flush();
    s.adjust(500); // the loop is half a second late
    expect(s.limit).toBeLessThan(raised);
    for (let i = 0; i < 20; i++) s.adjust(500);
    expect(s.limit).toBe(4);
    // Late while this process hardly ran (other processes held the CPU): not lowered.
    for (let i = 0; i < 3; i++) s.adjust(0);
    const before = s.limit;
    s.adjust(500, 0.1);
    expect(s.limit).toBeGreaterThanOrEqual(before);
    for (const t of turns) t.release();
    s.leave();
  });
});

describe('RequestScheduler and the slices of the event loop', () => {
  it('does not raise the limit while pages wait for a slice, and lowers it while many do, the loop on time or not', async () => {
    const { s } = scheduler({ maxInFlight: 100, minInFlight: 4, initialLatencyMs: 1 });
    s.join();
    const turns: Turn[] = [];
    for (let i = 0; i < 50; i++) void s.acquire().then((t) => turns.push(t));
    await flush();
    for (let i = 0; i < 10; i++) s.adjust(0, 1, 0);
    const raised = s.limit;
    expect(raised).toBeGreaterThan(20);
    await flush();
    // Turns wait, the loop is on time (it is sliced), but a quarter of the limit's pages wait for a slice: held.
    s.adjust(0, 1, Math.ceil(raised / 4));
    expect(s.limit).toBe(raised);
    // Half of them: this process cannot handle more pages; more requests out would only queue them.
    s.adjust(0, 1, raised);
    expect(s.limit).toBeLessThan(raised);
    for (let i = 0; i < 20; i++) s.adjust(0, 1, 50);
    expect(s.limit).toBe(4);
    for (const t of turns) t.release();
    s.leave();
  });
});

describe('maxRequestsInFlight', () => {
  it('is the configured value, else the client sockets less those of the listing', () => {
    expect(maxRequestsInFlight(7, true)).toBe(7);
    expect(maxRequestsInFlight(undefined, true)).toBe(POLLER_KINESIS_SOCKETS - 2);
    expect(maxRequestsInFlight(undefined, false)).toBe(SDK_DEFAULT_SOCKETS - 2);
  });

  it('refuses what is not a positive integer with INVALID_OPTION naming the option', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => maxRequestsInFlight(bad, true)).toThrow(
        expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringContaining('maxRequestsInFlight') }),
      );
    }
  });
});

/**
 * A simulated server on the scheduler's hand-moved clock, in steps of `stepMs`: it answers the turns
 * out at it first come, first served, at most `perSecond` a second (Infinity: all), each at least
 * `latencyMs` after it was sent. Each of `shards` readers asks for its next turn `pauseMs` after its
 * last answer. Returns how many turns were answered and the highest limit seen after `warmupMs`.
 */
async function simulate(options: {
  shards: number;
  perSecond: number;
  latencyMs: number;
  pauseMs: number;
  seconds: number;
  warmupMs?: number;
  maxInFlight?: number;
  /** Each shard's reads are busy until its first answer (a first read), idle after (a shard at its tip). */
  idleAfterFirstRead?: boolean;
  /** How late the event loop is at each tick from `loopLateFromMs` on (ms): answers are seen that much later. */
  loopDelayMs?: number;
  loopLateFromMs?: number;
}) {
  const stepMs = 50;
  const { s, advance } = scheduler({ maxInFlight: options.maxInFlight ?? 510, minInFlight: 16, initialLatencyMs: 100 });
  let now = 0;
  const atServer: { turn: Turn; sent: number; shard: number }[] = [];
  const askAt: number[] = [];
  const read = new Set<number>();
  let everyShardReadAt: number | undefined;
  const ask = (shard: number) =>
    void s.acquire(undefined, options.idleAfterFirstRead && read.has(shard) ? 'idle' : 'busy').then((turn) => {
      atServer.push({ turn, sent: now, shard });
    });
  for (let shard = 0; shard < options.shards; shard++) {
    s.join();
    ask(shard);
  }
  let answered = 0;
  let credit = 0;
  let highestLimit = 0;
  for (let t = 0; t < options.seconds * 1_000; t += stepMs) {
    await flush();
    advance(stepMs);
    now += stepMs;
    credit = Math.min(credit + (options.perSecond * stepMs) / 1_000, options.shards);
    const loopDelayMs = t >= (options.loopLateFromMs ?? 0) ? (options.loopDelayMs ?? 0) : 0;
    const seenAfterMs = options.latencyMs + loopDelayMs;
    while (atServer.length > 0 && credit >= 1 && now - (atServer[0]?.sent ?? now) >= seenAfterMs) {
      const done = atServer.shift();
      if (done === undefined) break;
      credit--;
      answered++;
      done.turn.release();
      read.add(done.shard);
      if (read.size === options.shards) everyShardReadAt ??= now;
      askAt[done.shard] = now + options.pauseMs;
    }
    for (let shard = 0; shard < options.shards; shard++) {
      if (askAt[shard] !== undefined && (askAt[shard] ?? 0) <= now) {
        askAt[shard] = undefined as unknown as number;
        ask(shard);
      }
    }
    if (!Number.isFinite(options.perSecond)) credit = Number.POSITIVE_INFINITY;
    if (t % 100 === 0) s.adjust(loopDelayMs, 0, 0);
    if (t >= (options.warmupMs ?? 0)) highestLimit = Math.max(highestLimit, s.limit);
  }
  const stats = s.stats();
  for (let shard = 0; shard < options.shards; shard++) s.leave();
  return { answered, highestLimit, stats, everyShardReadAt };
}

describe('RequestScheduler and a server that queues', () => {
  it('does not raise the limit on latency that grows with the turns out while throughput stays flat', async () => {
    // 200 shards, a server that answers 40 calls a second (kinesis-mock on a busy machine) after at
    // least 25 ms: every turn out beyond about one is a wait in the server's queue. Sizing the floor
    // on that latency (shards × seconds) let all 200 out; it holds near what the server serves.
    const { highestLimit, stats, answered } = await simulate({
      shards: 200,
      perSecond: 40,
      latencyMs: 25,
      pauseMs: 0,
      seconds: 28,
      warmupMs: 8_000,
    });
    expect(answered).toBeGreaterThan(40 * 25);
    expect(highestLimit).toBeLessThanOrEqual(60);
    expect(stats.inFlight).toBeLessThanOrEqual(60);
  });

  it('still sizes the floor to shards × latency when a high latency is stable (100 ms to the endpoint)', async () => {
    // 1 024 idle shards read once a second, every answer 100 ms after its request: 103 out at once.
    const { answered, stats } = await simulate({
      shards: 1024,
      perSecond: Number.POSITIVE_INFINITY,
      latencyMs: 100,
      pauseMs: 900,
      seconds: 20,
    });
    expect(stats.congested).toBe(false);
    expect(stats.limit).toBeGreaterThanOrEqual(103);
    // Every shard read about once a second.
    expect(answered).toBeGreaterThan(1024 * 20 * 0.9);
  });
});

describe('RequestScheduler: first reads on a server that serves fewer turns than the shards ask for', () => {
  it('does not let re-reads of shards at their tip starve the first reads of shards never read yet', async () => {
    // kinesis-mock at 1 000 shards on a busy machine: 100 answers a second. Each shard is read once
    // (busy), then again 1 s after each (empty) answer (idle). One read of every shard takes 10 s of
    // the server; an idle turn that waited 1 s used to go before every busy one, and 1 000 shards at
    // their tip asking every ~2 s kept the server full: the last shards were never read.
    const { everyShardReadAt, stats } = await simulate({
      shards: 1_000,
      perSecond: 100,
      latencyMs: 20,
      pauseMs: 1_000,
      seconds: 30,
      idleAfterFirstRead: true,
    });
    expect(everyShardReadAt).toBeDefined();
    // The bare loop (first reads only) needs 10 s; within 1.5 × that.
    expect(everyShardReadAt).toBeLessThanOrEqual(15_000);
    // The server's queue was seen, and idle turns wait for its round (1 000 ÷ 100 a second).
    expect(stats.congested || stats.idleWaitMs > 1_000).toBe(true);
  });

  it('still grants an idle turn every other turn while busy ones wait (idle shards are not starved either)', async () => {
    const { advance, held, order, take } = await oneTurnHeld();
    const idles = [take('idle1', 'idle'), take('idle2', 'idle'), take('idle3', 'idle')];
    advance(1_000);
    const busies = [take('busy1', 'busy'), take('busy2', 'busy'), take('busy3', 'busy')];
    held.release();
    await Promise.all([...idles, ...busies]);
    // Old: all three overdue idle turns first, then the busy ones.
    expect(order).toEqual(['idle1', 'busy1', 'idle2', 'busy2', 'idle3', 'busy3']);
  });

  it('takes the base latency from the low turns of a second, not from a first second of queued turns', async () => {
    // 400 shards asking at once from a server that answers 100 a second after 20 ms: the first
    // second's turns queued behind the start-up burst (mean about 500 ms). The base is near the
    // server's own latency, so that the queue is seen.
    const { stats } = await simulate({ shards: 400, perSecond: 100, latencyMs: 20, pauseMs: 0, seconds: 12 });
    expect(stats.baseLatencyMs).toBeLessThan(200);
    expect(stats.congested || stats.idleWaitMs > 1_000).toBe(true);
  });
});

describe('RequestScheduler: a worker short of CPU is not a server that queues', () => {
  it('does not start a queue episode on latency its own late event loop adds', async () => {
    // 1 024 idle shards on a server that answers up to 2 000 a second after 5 ms, seen 150 ms late
    // from the 4th second on by a loop that waits for a core (a loaded machine): the turns' low is
    // then about 155 ms against a base of 5 ms, and fewer reads complete a second. Taken for the
    // server's queue, it capped the limit at the best second × (2 × 5 + 50) ms and idle waits
    // stretched to the "server's round"; the server never queued.
    const { stats } = await simulate({
      shards: 1024,
      perSecond: 2_000,
      latencyMs: 5,
      pauseMs: 900,
      seconds: 12,
      loopDelayMs: 150,
      loopLateFromMs: 4_000,
    });
    expect(stats.congested).toBe(false);
    expect(stats.idleWaitMs).toBe(1_000);
    expect(stats.limit).toBeGreaterThanOrEqual(150);
  });
});
