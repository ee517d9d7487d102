/**
 * A poller of several streams (`createPoller({ streams })`): one engine per stream (the single-stream
 * poller, unchanged, with its own region, credentials, listing, readers and lifecycle), composed here.
 *
 * What the engines share: one request scheduler and one memory budget (the poller's bounds hold
 * across every stream), one lease table client and worker id (or one checkpoint store), one observer
 * (each stream's events through `observer.forStream(streamArn)`, e.g. labelled by stream), one
 * `status()` and one stop. Each stream's checkpoints are kept under its stream-qualified key
 * (`streamKey`: ARN and creation time), found by its engine's start.
 *
 * A stream that fails for good (its engine's `done` rejects: deleted, access revoked) is reported
 * `failed` and, by default, the others go on ({@link StreamFailurePolicy}).
 * @module
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type CheckpointStore, FileCheckpointStore, InvalidInputError } from '@streamshare/core';
import { describeThrown, parseStreamArn, readThrownProperty, sleep } from '@streamshare/core/internal';
import type { Logger } from 'pino';
import { KeyedCoordinator } from '../coordination/keyed-coordinator.js';
import { LocalCoordinator } from '../coordination/local-coordinator.js';
import type { ShardCoordinator } from '../coordination/shard-coordinator.js';
import { resolveStreamKey } from '../coordination/stream-key.js';
import { pino } from '../deps/commonjs.cjs';
import { errorFields } from '../errors/error-fields.js';
import { ownLeaseClient } from '../leases/dynamodb-sdk.js';
import { DynamoDbLeaseCoordinator, defaultWorkerId } from '../leases/index.js';
import { memoryBudget } from '../scheduling/memory-budget.js';
import { RequestScheduler } from '../scheduling/request-scheduler.js';
import { maxRequestsInFlight } from '../scheduling/request-slots.js';
import { isActive, nextPollerState, OnceShutdown, type PollerEvent, type PollerState } from './lifecycle.js';
import type { MultiStreamPollerOptions, StreamOptions, StreamStatus } from './multi-options.js';
import type { Poller, PollerOptions, PollerStatus, ShardStatus } from './options.js';
import type { EngineShared, EngineStream, StreamEngineFactory } from './stream-engine.js';

/** One stream's engine and what the poller knows of it. */
interface Engine {
  readonly streamArn: string;
  readonly poller: Poller;
  readonly coordinator: KeyedCoordinator;
  /** Set once its engine failed for good. */
  failure: { readonly error: unknown } | undefined;
}

/**
 * Checks the options of a poller of several streams. Pure.
 * @throws InvalidInputError (`INVALID_OPTION`) naming the setting at fault; InvalidStreamArnError for a malformed ARN.
 */
function checkStreams(options: MultiStreamPollerOptions): void {
  const { streams } = options;
  if (!Array.isArray(streams) || streams.length === 0) {
    throw new InvalidInputError('INVALID_OPTION', 'createPoller: streams must name at least one stream');
  }
  const loose = options as { readonly streamArn?: unknown; readonly coordinator?: unknown };
  if (loose.streamArn !== undefined || loose.coordinator !== undefined) {
    const given = loose.streamArn !== undefined ? 'streamArn' : 'coordinator';
    throw new InvalidInputError(
      'INVALID_OPTION',
      `createPoller: ${given} cannot be given with streams (a poller of several streams names each in streams[], and coordinates them itself)`,
    );
  }
  const seen = new Set<string>();
  streams.forEach((stream, i) => {
    parseStreamArn(stream.streamArn, `streams[${i}].streamArn`);
    if (seen.has(stream.streamArn)) {
      throw new InvalidInputError('INVALID_OPTION', `createPoller: streams[${i}] names ${stream.streamArn} again`);
    }
    seen.add(stream.streamArn);
    if (stream.handler === undefined && options.handler === undefined) {
      throw new InvalidInputError(
        'INVALID_OPTION',
        `createPoller: streams[${i}] (${stream.streamArn}) has no handler: give it one, or give the poller a handler`,
      );
    }
  });
}

/**
 * Creates a poller of several streams; `engine` makes each stream's engine (createPoller's own).
 * Nothing happens until `start()`.
 * @internal
 */
export function createMultiStreamPoller(options: MultiStreamPollerOptions, engine: StreamEngineFactory): Poller {
  checkStreams(options);
  return new MultiStreamPoller(options, engine);
}

class MultiStreamPoller implements Poller {
  readonly done: Promise<void>;
  readonly #options: MultiStreamPollerOptions;
  readonly #logger: Logger;
  readonly #engines: Engine[];
  readonly #scheduler: RequestScheduler;
  readonly #lifetime = new AbortController();
  /** The checkpoint store every stream shares, when no lease table is given. */
  readonly #store: CheckpointStore | undefined;
  /** The file store the poller made (closed on stop). */
  readonly #ownedStore: FileCheckpointStore | undefined;
  #ownedDynamoDb: Promise<DynamoDBClient> | undefined;
  #state: PollerState = 'new';
  readonly #once = new OnceShutdown((error) => this.#shutdown(error));
  #resolveDone!: () => void;
  #rejectDone!: (error: unknown) => void;

  constructor(options: MultiStreamPollerOptions, engine: StreamEngineFactory) {
    this.#options = options;
    this.#logger = options.logger ?? pino({ level: 'silent' });
    this.done = new Promise<void>((resolve, reject) => {
      this.#resolveDone = resolve;
      this.#rejectDone = reject;
    });
    this.done.catch(() => {});

    const ownClients = options.streams.every((stream) => stream.kinesisClient === undefined);
    this.#scheduler = new RequestScheduler({
      maxInFlight: maxRequestsInFlight(options.maxRequestsInFlight, ownClients),
      idleMaxWaitMs: options.idleTimeBetweenReadsMs ?? 1_000,
    });
    const budget = memoryBudget(options.maxBufferedBytes);
    if (options.leaseTable === undefined) {
      if (options.checkpointStore === undefined) {
        this.#ownedStore = new FileCheckpointStore({ directory: options.checkpointDir ?? './.streamshare' });
      }
      this.#store = options.checkpointStore ?? this.#ownedStore;
    }
    const coordinatorOf = this.#coordinatorMaker();
    this.#engines = options.streams.map((stream) => {
      let keyed: KeyedCoordinator | undefined;
      const shared: EngineShared = {
        scheduler: this.#scheduler,
        budget,
        coordinator: (context) => {
          keyed = coordinatorOf(stream.streamArn, context);
          return keyed;
        },
      };
      const poller = engine(this.#engineOptions(stream), shared);
      return { streamArn: stream.streamArn, poller, coordinator: keyed!, failure: undefined };
    });
  }

  /** The maker of each stream's coordinator: its key found at start, then the shared lease table or store. */
  #coordinatorMaker(): (streamArn: string, context: EngineStream) => KeyedCoordinator {
    const { leaseTable, checkpointDir } = this.#options;
    const workerId = leaseTable?.workerId ?? defaultWorkerId();
    const leaseClient = (region: string) => () => {
      this.#ownedDynamoDb ??= ownLeaseClient(region);
      return this.#ownedDynamoDb;
    };
    return (streamArn, { client, region, principal, logger }) =>
      new KeyedCoordinator({
        streamArn,
        resolveKey: () =>
          resolveStreamKey({ client, streamArn, region, principal, logger, signal: this.#lifetime.signal }),
        build: (key): ShardCoordinator =>
          leaseTable === undefined
            ? new LocalCoordinator(this.#store!, {
                streamArn: key,
                logger,
                ...(this.#ownedStore === undefined ? {} : { directory: checkpointDir ?? './.streamshare' }),
              })
            : new DynamoDbLeaseCoordinator({
                client: leaseTable.client ?? leaseClient(region),
                tableName: leaseTable.tableName,
                streamArn: key,
                workerId,
                ...(leaseTable.failoverTimeMs === undefined ? {} : { failoverTimeMs: leaseTable.failoverTimeMs }),
                ...(leaseTable.createIfMissing === undefined ? {} : { createIfMissing: leaseTable.createIfMissing }),
                logger,
              }),
      });
  }

  /** The single-stream options of one stream's engine: the shared settings, the stream's own, its observer. */
  #engineOptions(stream: StreamOptions): PollerOptions {
    const {
      streams: _streams,
      onStreamFailure: _policy,
      leaseTable: _leaseTable,
      checkpointStore: _store,
      checkpointDir: _dir,
      observer,
      ...common
    } = this.#options;
    const own = observer?.forStream?.(stream.streamArn) ?? observer;
    return {
      ...common,
      streamArn: stream.streamArn,
      handler: (stream.handler ?? this.#options.handler)!,
      ...(stream.startingPosition === undefined ? {} : { startingPosition: stream.startingPosition }),
      ...(stream.assumeRole === undefined ? {} : { assumeRole: stream.assumeRole }),
      ...(stream.consumerArn === undefined ? {} : { consumerArn: stream.consumerArn }),
      ...(stream.kinesisClient === undefined ? {} : { kinesisClient: stream.kinesisClient }),
      ...(stream.subscribeClient === undefined ? {} : { subscribeClient: stream.subscribeClient }),
      ...(stream.stsClient === undefined ? {} : { stsClient: stream.stsClient }),
      ...(own === undefined ? {} : { observer: own }),
    } as PollerOptions;
  }

  #enter(event: PollerEvent): boolean {
    const next = nextPollerState(this.#state, event);
    if (next === undefined) return false;
    this.#state = next;
    return true;
  }

  get #policy(): 'continue' | 'stop' {
    return this.#options.onStreamFailure ?? 'continue';
  }

  /**
   * Starts every stream at once. Under `continue`, a stream that cannot start is reported failed and
   * the start resolves when at least one stream started; under `stop` (or when none started), the
   * poller stops and the start rejects with the first stream's error.
   */
  async start(): Promise<void> {
    const state = this.#state;
    if (!this.#enter('start')) throw new Error(`poller.start(): the poller is ${state}; create a new one`);
    const outcomes = await Promise.allSettled(this.#engines.map((engine) => engine.poller.start()));
    let firstError: unknown;
    outcomes.forEach((outcome, i) => {
      const engine = this.#engines[i]!;
      if (outcome.status === 'rejected') {
        firstError ??= outcome.reason;
        this.#streamFailed(engine, outcome.reason, 'start');
      } else {
        this.#options.observer?.onStreamState?.(engine.streamArn, 'running');
        this.#watch(engine);
      }
    });
    const started = outcomes.some((outcome) => outcome.status === 'fulfilled');
    if (firstError !== undefined && (this.#policy === 'stop' || !started)) {
      // Through #fail: a stop() asked for during the start is the same one shutdown.
      await this.#fail(firstError);
      throw firstError;
    }
    if (!this.#enter('started')) return;
    this.#checkEnd();
  }

  /** Follows an engine's end: a failure is handled by the policy; the last engine's end ends the poller. */
  #watch(engine: Engine): void {
    engine.poller.done.then(
      () => {
        this.#options.observer?.onStreamState?.(engine.streamArn, 'stopped');
        this.#checkEnd();
      },
      (error: unknown) => {
        this.#streamFailed(engine, error, 'run');
        if (this.#policy === 'stop') void this.#fail(error);
        else this.#checkEnd();
      },
    );
  }

  #streamFailed(engine: Engine, error: unknown, when: 'start' | 'run'): void {
    engine.failure = { error };
    this.#logger.error(
      { streamArn: engine.streamArn, err: errorFields(error), onStreamFailure: this.#policy },
      this.#policy === 'continue'
        ? `stream failed (${when}); the other streams go on`
        : `stream failed (${when}): stopping the poller (onStreamFailure: stop)`,
    );
    this.#options.observer?.onStreamState?.(engine.streamArn, 'failed', error);
  }

  /** Once no engine is left running (each read to its end, or failed), the poller ends. */
  #checkEnd(): void {
    if (this.#state !== 'running') return;
    if (this.#engines.some((engine) => engine.failure === undefined && isActive(engine.poller.status().state!))) {
      return;
    }
    const failed = this.#engines.find((engine) => engine.failure !== undefined);
    this.#logger.info(
      { failed: this.#engines.filter((engine) => engine.failure !== undefined).map((engine) => engine.streamArn) },
      'no stream is left running: stopping',
    );
    void (failed === undefined ? this.stop() : this.#fail(failed.failure!.error));
  }

  stop(): Promise<void> {
    return this.#once.begin(undefined);
  }

  #fail(error: unknown): Promise<void> {
    return this.#once.begin(error);
  }

  async #shutdown(error: unknown): Promise<void> {
    this.#enter('stop');
    this.#lifetime.abort();
    // Every engine stops at once (each finishes its batches, checkpoints, releases its leases).
    await Promise.allSettled(this.#engines.map((engine) => engine.poller.stop()));
    try {
      await this.#ownedStore?.close();
    } catch (closeError) {
      this.#logger.warn({ err: errorFields(closeError) }, 'closing the checkpoint files failed');
    }
    this.#scheduler.close();
    await this.#ownedDynamoDb?.then(
      (client) => client.destroy(),
      () => {},
    );
    // Let the engines' done handlers run before the poller's own end is told.
    await sleep(0);
    this.#enter(error === undefined ? 'stopped' : 'failed');
    this.#logger.info(
      { error: error === undefined ? undefined : errorFields(error) },
      'poller of several streams stopped',
    );
    if (error === undefined) this.#resolveDone();
    else this.#rejectDone(error);
  }

  status(): PollerStatus {
    const shards: ShardStatus[] = [];
    const streams: StreamStatus[] = this.#engines.map((engine) => {
      const status = engine.poller.status();
      for (const shard of status.shards) shards.push({ ...shard, streamArn: engine.streamArn });
      const key = engine.coordinator.key;
      const failure = engine.failure;
      const code = failure === undefined ? undefined : readThrownProperty(failure.error, 'code');
      return {
        streamArn: engine.streamArn,
        ...(key === undefined ? {} : { checkpointKey: key }),
        state: failure === undefined ? (status.state ?? (status.running ? 'running' : 'stopped')) : 'failed',
        ...(failure === undefined ? {} : { error: describeThrown(failure.error) }),
        ...(typeof code === 'string' ? { errorCode: code } : {}),
        shards: status.shards.length,
      };
    });
    return { running: isActive(this.#state), state: this.#state, shards, streams };
  }
}
