import { AbortedError } from '../calls/call-with-retries.js';
import { LoopSlices } from './loop-slices.js';
import { WaitingQueue } from './waiting-queue.js';

/**
 * Options of {@link RequestScheduler}.
 * @internal
 */
export interface RequestSchedulerOptions {
  /**
   * Most requests in flight at once: the HTTP agent's sockets less a reserve for the listing calls, so
   * that the agent never queues a request (the SDK's connection timeout starts when it does).
   */
  readonly maxInFlight: number;
  /** Fewest requests in flight allowed whatever the event loop says (default 16, at most `maxInFlight`). */
  readonly minInFlight?: number | undefined;
  /** How often every shard should get a turn at least: the floor of the limit is shards × latency ÷ this (default 1 000 ms). */
  readonly targetIntervalMs?: number | undefined;
  /** Latency assumed before any request returned (default 100 ms). */
  readonly initialLatencyMs?: number | undefined;
  /** Event-loop delay above which the limit is lowered (default 50 ms). */
  readonly maxLoopDelayMs?: number | undefined;
  /**
   * An idle turn (a read after an empty page) waits behind busy ones at least this long before it
   * takes every other turn from them (default 1 000 ms; in a queue episode, longer: see the class).
   */
  readonly idleMaxWaitMs?: number | undefined;
  /** Period of the event-loop check and of the limit's adjustment (default 100 ms); 0 turns the adjustment off. */
  readonly tickMs?: number | undefined;
  /**
   * Slices of the event loop: a granted turn's request is sent within one (see {@link LoopSlices}),
   * so that many turns granted at once do not send all their requests in one go (default: slices
   * of its own, of `DEFAULT_SLICE_MS`; `null`: none).
   */
  readonly slices?: LoopSlices | null | undefined;
  /** Clock (ms), for tests. */
  readonly now?: (() => number) | undefined;
}

/**
 * A granted turn: the caller sends its request, then releases the turn (once; later calls do nothing).
 * @internal
 */
export interface Turn {
  release(): void;
}

/** Whether a turn is asked for a shard with records to read (`busy`) or one at its tip (`idle`). */
export type TurnPriority = 'busy' | 'idle';

/**
 * What a scheduler has done, for metrics and tests.
 * @internal
 */
export interface SchedulerStats {
  readonly inFlight: number;
  readonly waiting: number;
  readonly limit: number;
  /** Turns granted at once / after a wait. */
  readonly granted: number;
  readonly waited: number;
  /** The latency estimate (ms): the mean turn (request out to response in) of the last second. */
  readonly latencyMs: number;
  /** The base latency (ms): the lowest 10th percentile of the turns of a second over the last 10 s. */
  readonly baseLatencyMs: number;
  /** How long an idle turn waits behind busy ones now (ms): `idleMaxWaitMs`, longer in a queue episode. */
  readonly idleWaitMs: number;
  /** Whether the last second's latency was the server's queue (see the class): the floor then uses the base. */
  readonly congested: boolean;
  /** Most turns in flight at once so far. */
  readonly peakInFlight: number;
}

/** What a turn's waiters wait for (the message of an abandoned wait). */
const WAITING_FOR = 'waiting for a Kinesis request turn';

/** Share of one core this process used in a tick from which a late event loop is its own doing. */
const BUSY_CPU_SHARE = 0.8;

/** The latency estimate is the mean turn of the last complete one of these periods (ms). */
const LATENCY_PERIOD_MS = 1_000;

/** Outside a queue episode, the base latency is the lowest period low of this window (ms). */
const BASE_WINDOW_MS = 10_000;

/** A period's low: this quantile of its turns (a queue at the server lifts it; a few slow turns do not). */
const LOW_QUANTILE = 0.1;

/** Most turns of a period kept for its low (the latest ones). */
const PERIOD_SAMPLES = 1_024;

/** A period low above base × this + {@link QUEUE_MARGIN_MS}, throughput flat, is the server's queue. */
const QUEUE_LATENCY_RATIO = 2;
const QUEUE_MARGIN_MS = 50;

/** The latency from which a period whose throughput did not grow is the server's queue. */
const queueLatencyMs = (baseMs: number): number => baseMs * QUEUE_LATENCY_RATIO + QUEUE_MARGIN_MS;

/** Throughput "grew" when a period's turns per second exceed the window's earlier best by this share. */
const THROUGHPUT_GROWTH = 1.1;

/**
 * A queue episode ends this long after it began (ms): the limit is then sized as before, and a
 * server that still queues starts a new one within seconds. A latency that rose for good (another
 * route) is not taken for a queue for longer.
 */
const QUEUE_EPISODE_MS = 30_000;

/** The {@link LOW_QUANTILE} of `turns` (ms); 0 when there are none. Pure. */
function lowQuantile(turns: readonly number[]): number {
  if (turns.length === 0) return 0;
  const sorted = [...turns].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length * LOW_QUANTILE)] ?? 0;
}

/** One complete latency period: its mean turn and its low (ms), turns completed per second, when it ended. */
interface Period {
  readonly meanMs: number;
  /** The {@link LOW_QUANTILE} of its turns (ms). */
  readonly lowMs: number;
  /** The most the event loop was late at a tick of the period (ms): a response waits that long to be seen. */
  readonly loopDelayMs: number;
  readonly perSecond: number;
  readonly end: number;
}

/**
 * The poller's own scheduling of Kinesis requests (GetRecords, GetShardIterator) across the shards
 * it reads: a request is sent only once it has a turn, and at most `limit` turns are out at once, so
 * requests wait here, in order, rather than in the HTTP agent's queue, where the SDK's connection
 * timeout would run while they wait ("the request socket did not establish a connection").
 *
 * - Fair: turns are granted first come, first served; a shard reader has one request at a time, so
 *   this is round robin over the shards that want to read.
 * - Busy before idle: a turn asked for a shard at its tip (after an empty page) is granted only when
 *   no busy shard waits, or once it has waited `idleMaxWaitMs`: drained shards do not delay shards
 *   with a backlog, and are still read about once per `idleMaxWaitMs` + their idle pause. An idle
 *   turn that waited that long takes every other turn, never all of them: when the server serves
 *   fewer turns a second than the idle shards ask for (1 000 shards at tip, a server that answers
 *   100 calls a second), the first reads of shards never read yet and the reads of shards with a
 *   backlog still get half the turns, instead of none.
 * - The limit, at most `maxInFlight`: never below `minInFlight` nor shards × latency ÷
 *   `targetIntervalMs` (Little's law: every shard read once per interval at the latency seen, e.g.
 *   1 024 shards at 100 ms: 103 in flight; the latency: the mean turn of the last second, from the
 *   request's turn to its response being in, not counting the time its page then waits for a slice
 *   of the event loop). Above that floor a window grows by half a tick while requests wait and the
 *   process keeps up, and shrinks (×0.7) when it does not: half the limit's pages wait for a slice
 *   of the event loop (see {@link LoopSlices}), or the loop is late (over `maxLoopDelayMs` while the
 *   process itself kept 80 % of a core busy). More requests out would only queue more pages.
 * - Congestion-aware: latency that comes from the server's own queue does not raise the limit. A
 *   second whose low (its 10th percentile turn: a queue at the server lifts every turn, a few slow
 *   ones do not lift it), less the most the event loop was late in it (a worker short of CPU sees
 *   every response late: not the server's queue), is over 2 × the base latency + 50 ms (the base: the lowest low of a second
 *   in the last 10 s, or since the episode began: a first second whose turns queued behind the
 *   start-up burst has a low near the latency, not its mean) while the turns completed per second
 *   did not grow past the best of that window (× 1.1) is the server queueing (a server that answers a few dozen calls a second,
 *   as kinesis-mock does: every turn more out only waits longer there, and a FIFO full of idle
 *   re-reads holds up first reads, so busy-before-idle cannot act). It starts a queue episode of
 *   30 s: the floor uses the base latency, the window shrinks (×0.7, once a second while it lasts)
 *   and does not grow, and the limit is at most the most served in a second × (2 × base + 50 ms),
 *   which grows while the latency stays under that. While the episode lasts, an idle turn waits
 *   behind busy ones for the server's round: shards ÷ the most it served in a second (1 000 shards
 *   at 100 a second: 10 s), not `idleMaxWaitMs`: the server cannot read every shard more often, and
 *   re-reads of shards at their tip no longer take half its turns from the shards never read yet. A
 *   latency that is stable is the base (100 ms to the endpoint: floor shards × 100 ms). After 30 s the limit is sized as before; a server that
 *   still queues starts a new episode within seconds, and a latency that rose for good (another
 *   route) is no longer taken for a queue.
 * @internal
 */
export class RequestScheduler {
  readonly #max: number;
  readonly #min: number;
  readonly #targetIntervalMs: number;
  readonly #maxLoopDelayMs: number;
  readonly #idleMaxWaitMs: number;
  readonly #tickMs: number;
  readonly #now: () => number;
  /** The slices of the event loop its readers' page work runs in (see {@link LoopSlices}). */
  readonly slices: LoopSlices | undefined;
  readonly #busy: WaitingQueue<undefined, Turn>;
  readonly #idle: WaitingQueue<undefined, Turn>;
  #inFlight = 0;
  #peakInFlight = 0;
  #shards = 0;
  #latencyMs: number;
  /** The adjustable part of the limit (between the floor and the max). */
  #window: number;
  #granted = 0;
  #waited = 0;
  /** Whether a request waited since the last tick (the limit may grow). */
  #queuedSinceTick = false;
  #timer: NodeJS.Timeout | undefined;
  #lastTick = 0;
  #lastCpu: NodeJS.CpuUsage | undefined;
  #idleTimer: NodeJS.Timeout | undefined;
  #periodStart = 0;
  #periodSum = 0;
  #periodTurns = 0;
  /** The latest turns of the current period (ms), at most {@link PERIOD_SAMPLES}, for its low. */
  #periodSamples: number[] = [];
  /** The most the event loop was late at a tick of the current period (ms). */
  #periodLoopDelayMs = 0;
  /** Whether the last turn granted while both busy and idle turns waited went to an idle one. */
  #idleWentLast = false;
  #previousMean: number | undefined;
  /** The complete periods of the last {@link BASE_WINDOW_MS}, oldest first. */
  #periods: Period[] = [];
  #congested = false;
  /** The current queue episode (see the class): when it began, and the lowest period mean since. */
  #queue: { readonly since: number; baseMs: number } | undefined;

  constructor(options: RequestSchedulerOptions) {
    this.#max = Math.max(1, Math.floor(options.maxInFlight));
    this.#min = Math.min(this.#max, Math.max(1, Math.floor(options.minInFlight ?? 16)));
    this.#targetIntervalMs = options.targetIntervalMs ?? 1_000;
    this.#latencyMs = options.initialLatencyMs ?? 100;
    this.#maxLoopDelayMs = options.maxLoopDelayMs ?? 50;
    this.#idleMaxWaitMs = options.idleMaxWaitMs ?? 1_000;
    this.#tickMs = options.tickMs ?? 100;
    this.#now = options.now ?? (() => performance.now());
    this.slices = options.slices === undefined ? new LoopSlices() : (options.slices ?? undefined);
    this.#busy = new WaitingQueue(WAITING_FOR, this.#now);
    this.#idle = new WaitingQueue(WAITING_FOR, this.#now);
    this.#window = this.#min;
  }

  /** The most turns out at once now. */
  get limit(): number {
    const limit = Math.min(this.#max, Math.max(this.#min, this.#floor, Math.floor(this.#window)));
    return this.#queue === undefined ? limit : Math.min(limit, Math.max(this.#min, this.#servable(this.#queue.baseMs)));
  }

  /**
   * Turns needed for every shard to be read once per `targetIntervalMs` at the latency seen (in a
   * queue episode, at the base latency: the wait in the server's queue is not latency to cover).
   */
  get #floor(): number {
    const latency = this.#queue?.baseMs ?? this.#latencyMs;
    return Math.ceil((this.#shards * latency) / this.#targetIntervalMs);
  }

  /**
   * The turns that carry the most the server served in a second of the window at the latency from
   * which it queues (base × 2 + 50 ms, Little's law): more would only wait in its queue. It grows
   * with what the server serves while the latency stays under that, so a server that serves more gets more.
   */
  #servable(baseMs: number): number {
    let best = 0;
    for (const period of this.#periods) best = Math.max(best, period.perSecond);
    return Math.ceil((best * queueLatencyMs(baseMs)) / 1_000);
  }

  /** The base latency: the queue episode's, else the lowest period low of the window (the estimate before one is complete). */
  get #baseLatencyMs(): number {
    if (this.#queue !== undefined) return this.#queue.baseMs;
    if (this.#periods.length === 0) return this.#latencyMs;
    return Math.min(...this.#periods.map((period) => period.lowMs));
  }

  /**
   * How long an idle turn waits behind busy ones: `idleMaxWaitMs`, or in a queue episode the
   * server's round, shards ÷ the most it served in a second of the window (see the class).
   */
  get #idleWaitMs(): number {
    if (this.#queue === undefined) return this.#idleMaxWaitMs;
    let best = 0;
    for (const period of this.#periods) best = Math.max(best, period.perSecond);
    return best > 0 ? Math.max(this.#idleMaxWaitMs, (this.#shards * 1_000) / best) : this.#idleMaxWaitMs;
  }

  stats(): SchedulerStats {
    return {
      inFlight: this.#inFlight,
      waiting: this.#busy.length + this.#idle.length,
      limit: this.limit,
      granted: this.#granted,
      waited: this.#waited,
      latencyMs: this.#latencyMs,
      baseLatencyMs: this.#baseLatencyMs,
      idleWaitMs: this.#idleWaitMs,
      congested: this.#congested,
      peakInFlight: this.#peakInFlight,
    };
  }

  /** A shard reader starts using the scheduler (its count sizes the limit); `leave` when it ends. */
  join(): void {
    this.#shards++;
    if (this.#shards === 1) this.#startTicking();
  }

  leave(): void {
    this.#shards = Math.max(0, this.#shards - 1);
    if (this.#shards === 0) this.#stopTicking();
  }

  /**
   * A turn for one request: at once while fewer than `limit` are out, else after those asked before
   * it (busy ones before idle ones, see the class). Rejects with AbortedError when `signal` aborts
   * while it waits.
   */
  acquire(signal?: AbortSignal, priority: TurnPriority = 'busy'): Promise<Turn> {
    if (signal?.aborted) return Promise.reject(new AbortedError(WAITING_FOR));
    if (this.#inFlight < this.limit && this.#busy.length === 0 && this.#idle.length === 0) {
      this.#granted++;
      return Promise.resolve(this.#turn());
    }
    this.#queuedSinceTick = true;
    if (priority === 'busy') return this.#busy.wait(undefined, signal);
    const turn = this.#idle.wait(undefined, signal);
    this.#armIdleTimer();
    return turn;
  }

  /**
   * Runs `call` within a turn: sent once granted and within a slice of the event loop (when the
   * scheduler has `slices`); the turn is released when it settles, or earlier by `call` itself
   * (`turn.release()` once its response is in: the request is no longer out).
   */
  async run<T>(call: (turn: Turn) => Promise<T>, signal?: AbortSignal, priority: TurnPriority = 'busy'): Promise<T> {
    const turn = await this.acquire(signal, priority);
    try {
      const slice = this.slices?.pass();
      if (slice !== undefined) await slice;
      return await call(turn);
    } finally {
      turn.release();
    }
  }

  /** Stops the timers (the poller stopped). Waiting turns are not granted any more. */
  close(): void {
    this.#stopTicking();
  }

  #turn(): Turn {
    this.#inFlight++;
    if (this.#inFlight > this.#peakInFlight) this.#peakInFlight = this.#inFlight;
    const started = this.#now();
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.#inFlight--;
        this.#sampleLatency(Math.max(1, this.#now() - started));
        this.#grant();
      },
    };
  }

  /**
   * The latency estimate: the mean turn of the last complete period (of the current one before a
   * period is complete), Little's law's latency: to read R requests a second, R × latency are out.
   * A turn ends when its response is in (see sliceResponse), before the page waits for a slice of
   * the event loop, so a busy loop adds at most about one of its turns to it.
   */
  #sampleLatency(took: number): void {
    const now = this.#now();
    if (now - this.#periodStart >= LATENCY_PERIOD_MS) {
      if (this.#periodTurns > 0) {
        this.#previousMean = this.#periodSum / this.#periodTurns;
        this.#endPeriod({
          meanMs: this.#previousMean,
          lowMs: lowQuantile(this.#periodSamples),
          loopDelayMs: this.#periodLoopDelayMs,
          perSecond: (this.#periodTurns * 1_000) / (now - this.#periodStart),
          end: now,
        });
      }
      this.#periodSum = 0;
      this.#periodTurns = 0;
      this.#periodSamples = [];
      this.#periodLoopDelayMs = 0;
      this.#periodStart = now;
    }
    this.#periodSamples[this.#periodTurns % PERIOD_SAMPLES] = took;
    this.#periodSum += took;
    this.#periodTurns++;
    this.#latencyMs = this.#previousMean ?? this.#periodSum / this.#periodTurns;
  }

  /**
   * A period is complete: it is the server's queue when its low, less the most its event loop was
   * late (a response waits for the loop to be seen: a worker short of CPU sees every turn late,
   * and fewer turns out would not help), is well above the base (over base × 2 + 50 ms) and its
   * throughput did not grow past the window's earlier best (× 1.1): more turns out only waited
   * longer at the server. Such a period starts a queue episode (or goes on with one) and shrinks
   * the window (×0.7).
   */
  #endPeriod(period: Period): void {
    const earlier = this.#periods.filter((p) => period.end - p.end < BASE_WINDOW_MS);
    this.#periods = [...earlier, period];
    if (this.#queue !== undefined && period.end - this.#queue.since >= QUEUE_EPISODE_MS) this.#queue = undefined;
    const base = this.#queue?.baseMs ?? Math.min(period.lowMs, ...earlier.map((p) => p.lowMs));
    const bestEarlier = Math.max(0, ...earlier.map((p) => p.perSecond));
    this.#congested =
      earlier.length > 0 &&
      period.lowMs - period.loopDelayMs > queueLatencyMs(base) &&
      period.perSecond <= bestEarlier * THROUGHPUT_GROWTH;
    if (this.#queue !== undefined) this.#queue.baseMs = Math.min(this.#queue.baseMs, period.lowMs);
    else if (this.#congested) this.#queue = { since: period.end, baseMs: base };
    if (this.#congested) this.#window = Math.max(this.#min, Math.min(this.#window, this.#inFlight) * 0.7);
  }

  /** Grants turns while there is room: busy waiters first, an idle one every other turn once it has waited long enough. */
  #grant(): void {
    while (this.#inFlight < this.limit) {
      const queue = this.#next();
      if (queue === undefined) return;
      this.#granted++;
      this.#waited++;
      queue.grant(this.#turn());
    }
  }

  /**
   * The queue whose first waiter goes next, if any waits: busy before idle, but an idle waiter that
   * waited {@link #idleWaitMs} goes first unless the last turn the two queues both wanted went to an
   * idle one (an idle waiter never takes every turn from busy ones).
   */
  #next(): WaitingQueue<undefined, Turn> | undefined {
    const idle = this.#idle.first();
    if (idle === undefined) return this.#busy.length > 0 ? this.#busy : undefined;
    if (this.#busy.length === 0) return this.#idle;
    const idleFirst = !this.#idleWentLast && this.#now() - idle.since >= this.#idleWaitMs;
    this.#idleWentLast = idleFirst;
    return idleFirst ? this.#idle : this.#busy;
  }

  /** An idle waiter is granted at the latest its wait after it asked even when no turn is released meanwhile. */
  #armIdleTimer(): void {
    if (this.#idleTimer !== undefined) return;
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = undefined;
      this.#grant();
      if (this.#idle.length > 0) this.#armIdleTimer();
    }, this.#idleWaitMs);
    this.#idleTimer.unref?.();
  }

  #startTicking(): void {
    if (this.#tickMs <= 0 || this.#timer !== undefined) return;
    this.#lastTick = this.#now();
    this.#lastCpu = process.cpuUsage();
    this.#timer = setInterval(() => this.#tick(), this.#tickMs);
    this.#timer.unref?.();
  }

  #stopTicking(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
  }

  /** Adjusts the window to the event loop's delay (how late this tick came) and the demand. */
  #tick(): void {
    const now = this.#now();
    const elapsed = now - this.#lastTick;
    this.#lastTick = now;
    const cpu = process.cpuUsage(this.#lastCpu);
    this.#lastCpu = process.cpuUsage();
    this.adjust(elapsed - this.#tickMs, elapsed > 0 ? (cpu.user + cpu.system) / 1000 / elapsed : 1);
  }

  /**
   * One adjustment of the window: lowered (×0.7, down to `minInFlight`) when this process cannot
   * keep up with the pages it has: `pagesWaiting` pages wait for a slice of the event loop (at least
   * `minInFlight` and half the limit: more requests out would only add pages to that queue, and
   * memory), or the event loop was `loopDelayMs` late while this process used 80 % of a core
   * (`cpuShare`, of the tick; a loop late while the process hardly ran waited for other processes).
   * Raised (×1.5) when requests waited and few pages wait for the loop. Then grants what the new
   * limit allows.
   */
  adjust(loopDelayMs: number, cpuShare = 1, pagesWaiting = this.slices?.stats().waiting ?? 0): void {
    // Late with the process itself busy: our own work (pages being parsed) holds the loop. Late
    // while this process hardly ran: other processes hold the CPU, and fewer requests would not help.
    const late = loopDelayMs > this.#maxLoopDelayMs && cpuShare >= BUSY_CPU_SHARE;
    this.#periodLoopDelayMs = Math.max(this.#periodLoopDelayMs, loopDelayMs);
    const limit = this.limit;
    if (late || pagesWaiting >= Math.max(this.#min, limit / 2)) {
      this.#window = Math.max(this.#min, Math.min(this.#window, this.#inFlight) * 0.7);
    } else if (this.#queuedSinceTick && pagesWaiting < limit / 4 && !this.#congested) {
      this.#window = Math.min(this.#max, Math.max(this.#window, limit * 1.5));
    }
    this.#queuedSinceTick = this.#busy.length > 0 || this.#idle.length > 0;
    this.#grant();
  }
}
