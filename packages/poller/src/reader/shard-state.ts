/**
 * The states of a shard reader and the one function that moves between them (in the spirit of the
 * Java KCL's `ConsumerStates`). The reader runs the action of its current state (read the checkpoint,
 * take an iterator, read and deliver a page, pause, write that the shard is finished), the action
 * reports what happened as a {@link ShardEvent}, and {@link nextShardState} says where that leads.
 *
 * Waiting on parents is not a reader state: the coordinator hands a shard to the poller only once
 * its parents are finished (`ShardCoordinator.sync`), and the reader starts in `initializing`.
 * @internal
 */

/** The states in which a reader has ended: the {@link ReaderEnd} of `ShardReader.run`. */
export type ReaderEnd = 'finished' | 'lost' | 'stopped';

/**
 * Where a shard reader stands. `blockedInARow` counts the batches blocked since the last batch
 * delivered whole (the attempt of the next blocked pause); an iterator is the one to read next.
 * @internal
 */
export type ShardState =
  /** Reading the shard's checkpoint and choosing where to start. */
  | { readonly kind: 'initializing' }
  /** Asking Kinesis for an iterator at the read position (GetShardIterator; enhanced fan-out: opening a subscription there). */
  | { readonly kind: 'seeking'; readonly blockedInARow: number }
  /**
   * Reading a page (GetRecords, within the read limits; enhanced fan-out: the next SubscribeToShard
   * event, `iterator` then only describes where it continues), delivering it and writing its checkpoint.
   */
  | { readonly kind: 'processing'; readonly iterator: string; readonly blockedInARow: number }
  /** At the tip of the shard after an empty page: a pause before the next read. */
  | { readonly kind: 'idle'; readonly iterator: string; readonly blockedInARow: number }
  /** A record failed after its retries: a growing pause, then the shard is read again from its checkpoint. */
  | { readonly kind: 'blocked'; readonly attempt: number }
  /** Closed and read to its end (or gone): writing that the shard is finished. */
  | { readonly kind: 'shard-end' }
  /** Ended: read to its end and recorded as finished. */
  | { readonly kind: 'finished' }
  /** Ended: the shard moved to another worker (lease lost); no further checkpoint is written. */
  | { readonly kind: 'lost' }
  /** Ended: the poller is stopping (or the shard is no longer this worker's to read). */
  | { readonly kind: 'stopped' };

/** The name of a {@link ShardState}, as `status()` and the logs show it. */
export type ShardStateKind = ShardState['kind'];

/**
 * What the action of a state reports.
 * @internal
 */
export type ShardEvent =
  /** The start position is known (from the checkpoint, or the starting position). */
  | { readonly type: 'checkpoint-read' }
  /** GetShardIterator returned an iterator. */
  | { readonly type: 'iterator-taken'; readonly iterator: string }
  /**
   * A page was read and, when it had records, delivered whole and checkpointed. `atTip`: it was
   * empty and the shard has nothing more for now (MillisBehindLatest 0).
   */
  | { readonly type: 'page-read'; readonly nextIterator: string; readonly delivered: boolean; readonly atTip: boolean }
  /** A record of the page failed after its retries (what was done before it is checkpointed). */
  | { readonly type: 'batch-blocked' }
  /** The pause of an idle or blocked shard is over. */
  | { readonly type: 'waited' }
  /** The iterator expired (ExpiredIteratorException): a fresh one is needed. */
  | { readonly type: 'iterator-expired' }
  /** Nothing is left to read: no NextShardIterator, a shard-end checkpoint, or the shard is gone (trimmed). */
  | { readonly type: 'shard-ended' }
  /** The shard was recorded as finished (coordinator.markFinished). */
  | { readonly type: 'finish-recorded' }
  /** The stop signal aborted. */
  | { readonly type: 'stop-requested' }
  /** This worker no longer owns the shard. */
  | { readonly type: 'lease-lost' };

/** The type of a {@link ShardEvent}. */
export type ShardEventType = ShardEvent['type'];

type StateOf<K extends ShardStateKind> = Extract<ShardState, { kind: K }>;
type EventOf<T extends ShardEventType> = Extract<ShardEvent, { type: T }>;
type Transitions = {
  readonly [K in ShardStateKind]: {
    readonly [T in ShardEventType]?: (state: StateOf<K>, event: EventOf<T>) => ShardState;
  };
};

const SHARD_END: ShardState = { kind: 'shard-end' };
const FINISHED: ShardState = { kind: 'finished' };
const LOST: ShardState = { kind: 'lost' };
const STOPPED: ShardState = { kind: 'stopped' };

/** Every live state ends on a stop or a lost lease. */
const ENDS = {
  'stop-requested': () => STOPPED,
  'lease-lost': () => LOST,
} as const;

/** The transitions, state by state; an event missing under a state cannot happen there. */
const TRANSITIONS: Transitions = {
  initializing: {
    'checkpoint-read': () => ({ kind: 'seeking', blockedInARow: 0 }),
    'shard-ended': () => SHARD_END,
    ...ENDS,
  },
  seeking: {
    'iterator-taken': (state, event) => ({
      kind: 'processing',
      iterator: event.iterator,
      blockedInARow: state.blockedInARow,
    }),
    'iterator-expired': (state) => state,
    'shard-ended': () => SHARD_END,
    ...ENDS,
  },
  processing: {
    'page-read': (state, event) => ({
      kind: event.atTip ? 'idle' : 'processing',
      iterator: event.nextIterator,
      blockedInARow: event.delivered ? 0 : state.blockedInARow,
    }),
    'batch-blocked': (state) => ({ kind: 'blocked', attempt: state.blockedInARow + 1 }),
    'iterator-expired': (state) => ({ kind: 'seeking', blockedInARow: state.blockedInARow }),
    'shard-ended': () => SHARD_END,
    ...ENDS,
  },
  idle: {
    waited: (state) => ({ kind: 'processing', iterator: state.iterator, blockedInARow: state.blockedInARow }),
    ...ENDS,
  },
  blocked: {
    waited: (state) => ({ kind: 'seeking', blockedInARow: state.attempt }),
    ...ENDS,
  },
  'shard-end': {
    'finish-recorded': () => FINISHED,
    ...ENDS,
  },
  finished: {},
  lost: {},
  stopped: {},
};

/** The state every reader starts in. */
export const INITIAL_SHARD_STATE: ShardState = { kind: 'initializing' };

/** Every state name, in the order of a reader's life. */
export const SHARD_STATE_KINDS: readonly ShardStateKind[] = Object.keys(TRANSITIONS) as ShardStateKind[];

/** Every event type. */
export const SHARD_EVENT_TYPES: readonly ShardEventType[] = [
  'checkpoint-read',
  'iterator-taken',
  'page-read',
  'batch-blocked',
  'waited',
  'iterator-expired',
  'shard-ended',
  'finish-recorded',
  'stop-requested',
  'lease-lost',
];

/**
 * The state `event` leads to from `state`, or `undefined` when that event cannot happen in that
 * state (the reader then treats it as the error it came from). Pure.
 * @internal
 */
export function nextShardState(state: ShardState, event: ShardEvent): ShardState | undefined {
  const from = TRANSITIONS[state.kind] as {
    readonly [T in ShardEventType]?: (state: ShardState, event: ShardEvent) => ShardState;
  };
  return from[event.type]?.(state, event);
}

/** True for the states a reader has ended in (`finished`, `lost`, `stopped`). Pure. */
export function isReaderEnd(state: ShardState): state is StateOf<ReaderEnd> {
  return state.kind === 'finished' || state.kind === 'lost' || state.kind === 'stopped';
}
