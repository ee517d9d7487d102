/**
 * The poller's own lifecycle: its states and the one table of transitions between them.
 *
 * ```
 * new --start--> starting --started--> running
 *  |                |                     |
 *  +------stop------+---------stop--------+--> stopping --stopped--> stopped
 *                                                  |
 *                                                  +------failed---> failed
 * ```
 * @internal
 */

/**
 * Where a poller stands: `new` (created), `starting` (start() running: store, first listing),
 * `running`, `stopping` (readers finishing, leases released), and the ends `stopped` and `failed`
 * (stopped by a fatal error: `done` rejects with it).
 */
export type PollerState = 'new' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

/**
 * What moves a poller: `start` (start() called), `started` (the first sync done), `stop` (stop()
 * called, a fatal error, or every shard finished), `stopped` / `failed` (the shutdown is over, without
 * or with an error).
 */
export type PollerEvent = 'start' | 'started' | 'stop' | 'stopped' | 'failed';

const TRANSITIONS: { readonly [S in PollerState]: { readonly [E in PollerEvent]?: PollerState } } = {
  new: { start: 'starting', stop: 'stopping' },
  starting: { started: 'running', stop: 'stopping' },
  running: { stop: 'stopping' },
  stopping: { stopped: 'stopped', failed: 'failed' },
  stopped: {},
  failed: {},
};

/** Every poller state, in the order of its life. */
export const POLLER_STATES: readonly PollerState[] = Object.keys(TRANSITIONS) as PollerState[];

/** Every poller event. */
export const POLLER_EVENTS: readonly PollerEvent[] = ['start', 'started', 'stop', 'stopped', 'failed'];

/** The state `event` leads to from `state`, or `undefined` when it does not apply there. Pure. */
export function nextPollerState(state: PollerState, event: PollerEvent): PollerState | undefined {
  return TRANSITIONS[state][event];
}

/** True while the poller starts or runs: it reads shards and syncs (`status().running`). Pure. */
export function isActive(state: PollerState): boolean {
  return state === 'starting' || state === 'running';
}

/**
 * A poller's shutdown, run once: `stop()` (no error) and a failure (its error) both begin it; the
 * first caller's error is the one it runs with, and every caller gets the same promise.
 */
export class OnceShutdown {
  readonly #run: (error: unknown) => Promise<void>;
  #running: Promise<void> | undefined;

  constructor(run: (error: unknown) => Promise<void>) {
    this.#run = run;
  }

  begin(error: unknown): Promise<void> {
    this.#running ??= this.#run(error);
    return this.#running;
  }
}
