import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import {
  type CodecNameFor,
  type DeadLetterHandler,
  FileCheckpointStore,
  type Handler,
  InvalidInputError,
} from '@streamshare/core';
import {
  arnAccount,
  isKinesisLambdaHandler,
  parseStreamArn,
  readThrownProperty,
  retryCall,
  sleep,
} from '@streamshare/core/internal';
import type { Logger } from 'pino';
import { AbortedError } from '../calls/call-with-retries.js';
import {
  createKinesisClient,
  createStsClient,
  createSubscribeClient,
  describeKinesisEndpoint,
  speaksHttp2,
} from '../clients/kinesis-client.js';
import { LocalCoordinator } from '../coordination/local-coordinator.js';
import type { ShardCoordinator, ShardDescriptor } from '../coordination/shard-coordinator.js';
import { StartPlanner } from '../coordination/start-planner.js';
import { assumeRoleProvider } from '../credentials/assume-role.js';
import { pino } from '../deps/commonjs.cjs';
import { errorFields } from '../errors/error-fields.js';
import { StartTimeoutError } from '../errors/poller-error.js';
import { ownLeaseClient } from '../leases/dynamodb-sdk.js';
import { DynamoDbLeaseCoordinator } from '../leases/index.js';
import type { Delivery } from '../reader/delivery.js';
import { lambdaDelivery } from '../reader/lambda-delivery.js';
import { checkRecordDeliveryOptions, type RecordDeliveryOptions, recordDelivery } from '../reader/record-delivery.js';
import { type ReaderEnd, ShardReader } from '../reader/shard-reader.js';
import type { SubscriptionSettings } from '../reader/subscribed-pages.js';
import { type MemoryBudget, memoryBudget } from '../scheduling/memory-budget.js';
import { RequestScheduler } from '../scheduling/request-scheduler.js';
import { maxRequestsInFlight, POLLER_KINESIS_SOCKETS } from '../scheduling/request-slots.js';
import { type ListingLimits, ShardDiscovery } from '../shards/discover-shards.js';
import { checkConsumerArn } from '../subscription/consumer-option.js';
import { subscriptionTimings } from '../subscription/timing-options.js';
import { isActive, nextPollerState, OnceShutdown, type PollerEvent, type PollerState } from './lifecycle.js';
import type { MultiStreamPollerOptions } from './multi-options.js';
import { createMultiStreamPoller } from './multi-stream.js';
import type { LambdaKinesisHandler, Poller, PollerOptions, PollerStatus } from './options.js';
import { isTransientFailure, START_BACKOFF, syncFailureDelay } from './retries.js';
import type { EngineShared } from './stream-engine.js';

/** Attempts per Kinesis call of a periodic listing before that sync fails (and is retried later). */
const SYNC_LISTING_ATTEMPTS = 4;

interface RunningReader {
  readonly reader: ShardReader;
  /** Aborted to stop fetching (stop, lease lost). */
  readonly stop: AbortController;
  /** Aborted to abandon the batch in hand (lease lost, stop timeout). */
  readonly abandon: AbortController;
  readonly ended: Promise<ReaderEnd | 'failed'>;
}

/**
 * Creates a poller for one stream (see {@link PollerOptions}), or for several streams when given
 * `streams` (see {@link MultiStreamPollerOptions}: one engine per stream, each with its own region and
 * credentials, composed in `multi-stream.ts`). Nothing happens until `start()`.
 *
 * The handler's record data type `T` is inferred from the `codec` (a `schema(...)` codec gives its
 * output type, a name what that codec produces: `string` for `'text'`, `unknown` for `'auto'`) or
 * from an annotated handler, or given: `createPoller<Order>({ codec: 'json', ... })`. A Lambda
 * handler made by `kinesisHandler` is taken whatever `T` is (it decodes with its own options).
 *
 * @typeParam T - The record data type the handler gets (`unknown` when nothing says more).
 * @typeParam N - The codec name given, inferred (what it produces types the data when `T` is not given).
 * @throws InvalidStreamArnError when `streamArn` is malformed; InvalidArnError / InvalidInputError
 * (`INVALID_CONSUMER_ARN`, `CONSUMER_STREAM_MISMATCH`) when `consumerArn` is malformed or a consumer of
 * another stream; InvalidInputError (`INVALID_OPTION`) when the client for SubscribeToShard does not
 * speak HTTP/2, or `subscription` has a setting out of range (or is given without `consumerArn`);
 * with `streams`, InvalidInputError (`INVALID_OPTION`) when it is empty, names a stream twice or a
 * stream has no handler, and the errors above for each stream.
 */
export function createPoller<T = unknown, N extends CodecNameFor<T> = CodecNameFor<T>>(
  options: PollerOptions<T, N> | MultiStreamPollerOptions<T, N>,
): Poller {
  const given = options as PollerOptions | MultiStreamPollerOptions;
  if (given.streams !== undefined) return createMultiStreamPoller(given, createStreamEngine);
  return createStreamEngine(given, undefined);
}

/** One stream's engine: a poller of its own, or (with `shared`) a part of a poller of several streams. */
function createStreamEngine(options: PollerOptions, shared: EngineShared | undefined): Poller {
  const arn = parseStreamArn(options.streamArn, 'streamArn');
  if (typeof options.handler !== 'function' && readThrownProperty(options.handler, 'kind') !== 'batch') {
    throw new TypeError('createPoller: handler must be a record handler, a batchHandler(...) or a kinesisHandler(...)');
  }
  subscriptionTimings(options.subscription, options.consumerArn);
  if (options.consumerArn !== undefined) {
    checkConsumerArn(options.consumerArn, options.streamArn);
    checkSubscribeClient(options.subscribeClient, options.kinesisClient);
  }
  return new StreamPoller(options, arn.region, arn.account, shared);
}

class StreamPoller<T, N extends CodecNameFor<T>> implements Poller {
  readonly done: Promise<void>;
  readonly #options: PollerOptions<T, N>;
  readonly #region: string;
  readonly #logger: Logger;
  readonly #client: KinesisClient;
  readonly #ownsClient: boolean;
  /** Enhanced fan-out (consumerArn): how shards are read by SubscribeToShard; undefined: by GetRecords. */
  readonly #subscription: SubscriptionSettings | undefined;
  /** The HTTP/2 client for SubscribeToShard, when the poller made it (destroyed on stop). */
  readonly #ownedSubscribeClient: KinesisClient | undefined;
  readonly #coordinator: ShardCoordinator;
  readonly #delivery: Delivery;
  readonly #discovery: ShardDiscovery;
  readonly #planner: StartPlanner;
  readonly #principal: string | undefined;
  /** Turns of the readers' Kinesis requests (see RequestScheduler). */
  readonly #scheduler: RequestScheduler;
  /** The pages in hand across all shards (maxBufferedBytes). */
  readonly #budget: MemoryBudget;
  /** Scheduler and budget given by a poller of several streams (which closes them), else undefined. */
  readonly #shared: EngineShared | undefined;
  readonly #readers = new Map<string, RunningReader>();
  readonly #lifetime = new AbortController();
  #resolveDone!: () => void;
  #rejectDone!: (error: unknown) => void;
  #state: PollerState = 'new';
  #shards: ShardDescriptor[] = [];
  #listedAt = 0;
  #timer: NodeJS.Timeout | undefined;
  #syncing: Promise<void> | undefined;
  #resync = false;
  /** Periodic syncs that failed in a row (transient errors), for the backoff. */
  #syncFailures = 0;
  readonly #once = new OnceShutdown((error) => this.#shutdown(error));
  /** The file checkpoint store, when the poller created it (closed on stop). */
  #ownedStore: FileCheckpointStore | undefined;
  /** The lease-table client this poller made (on first use), to destroy on stop. */
  #ownedDynamoDb: Promise<DynamoDBClient> | undefined;

  constructor(options: PollerOptions<T, N>, region: string, account: string, shared: EngineShared | undefined) {
    this.#options = options;
    this.#shared = shared;
    this.#region = region;
    this.#logger = (options.logger ?? pino({ level: 'silent' })).child({ streamArn: options.streamArn });
    this.done = new Promise<void>((resolve, reject) => {
      this.#resolveDone = resolve;
      this.#rejectDone = reject;
    });
    // Avoid an unhandled rejection when nobody awaits `done` (start() rejects too).
    this.done.catch(() => {});

    const role = options.assumeRole;
    this.#principal = role?.roleArn;
    let credentials: ReturnType<typeof assumeRoleProvider> | undefined;
    if (options.kinesisClient) {
      this.#client = options.kinesisClient;
      this.#ownsClient = false;
      if (role) {
        this.#logger.warn(
          { roleArn: role.roleArn },
          'assumeRole is ignored: a kinesisClient was given (it carries its own credentials)',
        );
      }
    } else {
      credentials = role
        ? assumeRoleProvider({
            roleArn: role.roleArn,
            externalId: role.externalId,
            sessionName: role.sessionName,
            durationSeconds: role.durationSeconds,
            stsClient: options.stsClient ?? createStsClient(region),
            logger: this.#logger,
          })
        : undefined;
      // Reading by SubscribeToShard, the few other calls (ListShards) go over HTTP/2 too: one endpoint, one protocol.
      this.#client = createKinesisClient({
        region,
        credentials,
        maxSockets: POLLER_KINESIS_SOCKETS,
        http2: options.consumerArn !== undefined,
      });
      this.#ownsClient = true;
    }
    // Checked by createPoller: a subscribeClient, or a kinesisClient, given speaks HTTP/2.
    let subscribeClient = options.subscribeClient ?? options.kinesisClient;
    if (options.consumerArn !== undefined && subscribeClient === undefined) {
      subscribeClient = createSubscribeClient({ region, credentials });
      this.#ownedSubscribeClient = subscribeClient;
    }
    this.#subscription =
      options.consumerArn === undefined || subscribeClient === undefined
        ? undefined
        : {
            client: subscribeClient,
            consumerArn: options.consumerArn,
            ...subscriptionTimings(options.subscription, options.consumerArn),
            observer: {
              onResubscribe: (shardId, reason, error, delayMs) => {
                this.#logger.info(
                  { shardId, reason, delayMs, ...(error === undefined ? {} : { err: errorFields(error) }) },
                  'subscribing to the shard again (enhanced fan-out)',
                );
                if (error !== undefined) options.observer?.onRetry?.(shardId, 'kinesis:SubscribeToShard', error);
              },
            },
          };
    this.#scheduler =
      shared?.scheduler ??
      new RequestScheduler({
        maxInFlight: maxRequestsInFlight(options.maxRequestsInFlight, this.#ownsClient),
        idleMaxWaitMs: options.idleTimeBetweenReadsMs ?? 1_000,
      });
    this.#budget = shared?.budget ?? memoryBudget(options.maxBufferedBytes);

    this.#coordinator =
      shared?.coordinator({ client: this.#client, region, principal: this.#principal, logger: this.#logger }) ??
      options.coordinator ??
      this.#defaultCoordinator(region);
    this.#planner = new StartPlanner({
      streamArn: options.streamArn,
      startingPosition: options.startingPosition ?? 'TRIM_HORIZON',
      checkpoints: this.#coordinator.checkpoints,
      logger: this.#logger,
    });
    // The record data type was matched to the codec by createPoller's signature; delivery does not use it.
    this.#delivery = isKinesisLambdaHandler(options.handler)
      ? lambdaDelivery(options.handler as LambdaKinesisHandler, {
          awsRegion: region,
          invokeIdentityArn: role?.roleArn,
          account: arnAccount(role?.roleArn) ?? account,
        })
      : recordDelivery(options.handler as Handler<unknown>, this.#recordOptions());
    this.#discovery = new ShardDiscovery({
      client: this.#client,
      streamArn: options.streamArn,
      region,
      principal: this.#principal,
      logger: this.#logger,
      signal: this.#lifetime.signal,
      onThrottle: (action) => options.observer?.onThrottle?.('', action),
      onRetry: (action, error) => options.observer?.onRetry?.(undefined, action, error),
    });
  }

  /** The processBatch options of a record or batch handler. */
  #recordOptions(): RecordDeliveryOptions {
    const options = this.#options;
    return {
      ...(options.codec === undefined ? {} : { codec: options.codec }),
      ...(options.deaggregate === undefined ? {} : { deaggregate: options.deaggregate }),
      ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
      ...(options.retry === undefined ? {} : { retry: options.retry }),
      ...(options.deadLetter === undefined ? {} : { deadLetter: options.deadLetter as DeadLetterHandler<unknown> }),
      logger: this.#logger,
    };
  }

  #defaultCoordinator(region: string): ShardCoordinator {
    const { leaseTable, streamArn } = this.#options;
    if (leaseTable) {
      // The poller's own identity and account (not the stream's assumed role); AWS_ENDPOINT_URL_DYNAMODB is
      // honoured. Made on first use: the DynamoDB SDK is loaded only by pollers with a lease table.
      const ownClient = () => {
        this.#ownedDynamoDb ??= ownLeaseClient(region);
        return this.#ownedDynamoDb;
      };
      return new DynamoDbLeaseCoordinator({
        client: leaseTable.client ?? ownClient,
        tableName: leaseTable.tableName,
        streamArn,
        ...(leaseTable.workerId === undefined ? {} : { workerId: leaseTable.workerId }),
        ...(leaseTable.failoverTimeMs === undefined ? {} : { failoverTimeMs: leaseTable.failoverTimeMs }),
        ...(leaseTable.createIfMissing === undefined ? {} : { createIfMissing: leaseTable.createIfMissing }),
        logger: this.#logger,
      });
    }
    const given = this.#options.checkpointStore;
    if (given !== undefined) return new LocalCoordinator(given, { streamArn, logger: this.#logger });
    const directory = this.#options.checkpointDir ?? './.streamshare';
    this.#ownedStore = new FileCheckpointStore({ directory });
    return new LocalCoordinator(this.#ownedStore, { streamArn, logger: this.#logger, directory });
  }

  /**
   * Moves the poller's lifecycle (see lifecycle.ts); false, and nothing changes, when `event` does
   * not apply in the current state.
   */
  #enter(event: PollerEvent): boolean {
    const next = nextPollerState(this.#state, event);
    if (next === undefined) return false;
    this.#logger.debug({ state: next, from: this.#state, event }, 'poller state');
    this.#state = next;
    return true;
  }

  async start(): Promise<void> {
    const state = this.#state;
    if (!this.#enter('start')) throw new Error(`poller.start(): the poller is ${state}; create a new one`);
    try {
      // Bad processBatch options (codec, concurrency, retry) fail the start, not every shard's first batch.
      if (!isKinesisLambdaHandler(this.#options.handler)) {
        await checkRecordDeliveryOptions(this.#options.handler as Handler<unknown>, this.#recordOptions());
      }
      await this.#startWithin(this.#options.startTimeoutMs ?? 60_000);
    } catch (error) {
      await this.#fail(error);
      throw error;
    }
    // A stop() during the start wins: the poller is then stopping already.
    if (!this.#enter('started')) return;
    this.#schedule();
  }

  /**
   * Prepares the coordinator and runs the first sync, retrying transient failures (unreachable
   * endpoint, throttling, 5xx, lease table unavailable: {@link isTransientFailure}) with core's retry
   * policy until `timeoutMs`; then a StartTimeoutError. Fatal errors are thrown at once.
   */
  async #startWithin(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const signal = this.#lifetime.signal;
    const retried = (error: unknown) =>
      !(error instanceof AbortedError) && !signal.aborted && isTransientFailure(error);
    let doing = 'preparing the checkpoint store / lease table';
    try {
      await retryCall(
        async () => {
          doing = 'preparing the checkpoint store / lease table';
          await this.#coordinator.start();
          doing = 'listing the shards';
          await this.#sync(true, { deadline });
        },
        {
          verdict: (error) => ({ error, backoff: retried(error) ? START_BACKOFF : undefined }),
          deadline,
          signal,
          aborted: () => new AbortedError('poller.start()'),
          onRetry: ({ error }, attempt, delayMs) => {
            this.#logger.warn(
              { err: errorFields(error), attempt, delayMs, startTimeoutMs: timeoutMs },
              `start: ${doing} failed; retrying`,
            );
          },
        },
      );
    } catch (error) {
      // A failure that would have been retried ends the retries only at the deadline.
      if (!retried(error)) throw error;
      throw new StartTimeoutError({
        streamArn: this.#options.streamArn,
        region: this.#region,
        endpoint: await describeKinesisEndpoint(this.#client, this.#region),
        timeoutMs,
        cause: error,
        doing,
      });
    }
  }

  /** Period of coordinator syncs: the coordinator's own (a lease renewal period) when it is sooner than the listing's. */
  get #tickMs(): number {
    const listing = this.#options.shardSyncIntervalMs ?? 30_000;
    const coordinatorMs = this.#coordinator.syncIntervalMs;
    return typeof coordinatorMs === 'number' && coordinatorMs > 0 ? Math.min(listing, coordinatorMs) : listing;
  }

  #schedule(delayMs = this.#tickMs): void {
    if (this.#state !== 'running') return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#sync(false, { attempts: SYNC_LISTING_ATTEMPTS }).then(
        () => {
          this.#syncFailures = 0;
          this.#schedule();
        },
        (error) => this.#syncFailed(error),
      );
    }, delayMs);
    this.#timer.unref?.();
  }

  /**
   * A periodic sync failed. Fatal errors (AccessDenied on every listing method, stream not found,
   * lease table access denied, a corrupt checkpoint) stop the poller; anything transient (throttling,
   * 5xx, network, lease table or checkpoint store unavailable: {@link isTransientFailure}) is logged
   * and the sync tried again after core's backoff, while the readers keep going.
   *
   * The timer loop rather than `retryCall`: a sync is a periodic task that nobody awaits, and its next
   * run is the one timer of `#schedule` anyway; a failure only brings that run closer than the period
   * (core's `backoffDelay`, capped at the period), a success puts it back on the period, and `stop()`
   * clears that one timer. A `retryCall` around the sync would be a second loop of syncs beside the
   * timer (two runs due at once, a wait to abort on stop) for no gain: there is no caller to give up to.
   */
  #syncFailed(error: unknown): void {
    if (this.#state !== 'running') return;
    if (!isTransientFailure(error)) {
      this.#logger.error({ err: errorFields(error) }, 'shard sync failed with a fatal error: stopping the poller');
      void this.#fail(error);
      return;
    }
    this.#syncFailures++;
    const delay = syncFailureDelay(this.#syncFailures, this.#tickMs);
    this.#logger.warn(
      { err: errorFields(error), failures: this.#syncFailures, delayMs: delay },
      'shard sync failed; the shards in hand keep being read; trying again after a pause',
    );
    this.#options.observer?.onRetry?.(undefined, 'shard-sync', error);
    this.#schedule(delay);
  }

  /**
   * Lists shards (when due), syncs the coordinator and starts/stops readers to match. A retryable
   * listing failure after start does not hold the coordinator back: it syncs with the shards last
   * listed (lease renewal, takeover, children of finished parents go on), then the error is thrown.
   */
  #sync(forceList: boolean, limits: ListingLimits): Promise<void> {
    if (this.#syncing) {
      this.#resync = true;
      return this.#syncing;
    }
    this.#syncing = (async () => {
      do {
        this.#resync = false;
        const listEvery = this.#options.shardSyncIntervalMs ?? 30_000;
        let listingError: unknown;
        if (forceList || Date.now() - this.#listedAt >= listEvery) {
          try {
            this.#shards = await this.#discovery.list(limits);
            this.#listedAt = Date.now();
            forceList = false;
          } catch (error) {
            if (this.#state === 'starting' || !isTransientFailure(error) || this.#shards.length === 0) throw error;
            listingError = error;
          }
        }
        if (!isActive(this.#state)) return;
        const ready = await this.#coordinator.sync(await this.#planner.shardsToRead(this.#shards));
        this.#options.observer?.onLeasesHeld?.(this.#coordinator.held().length);
        this.#reconcile(ready);
        if (listingError !== undefined) throw listingError;
      } while (this.#resync);
    })().finally(() => {
      this.#syncing = undefined;
    });
    return this.#syncing;
  }

  #reconcile(ready: readonly string[]): void {
    if (!isActive(this.#state)) return;
    const wanted = new Set(ready);
    for (const [shardId, running] of this.#readers) {
      if (!wanted.has(shardId) || !this.#coordinator.owns(shardId)) {
        this.#logger.info({ shardId }, 'shard no longer ours: stopping its reader');
        running.stop.abort();
        running.abandon.abort();
      }
    }
    for (const shardId of ready) {
      if (!this.#readers.has(shardId)) this.#startReader(shardId);
    }
    if (ready.length === 0 && this.#readers.size === 0 && this.#coordinator.allFinished?.(this.#shards) === true) {
      this.#logger.info('every shard of the stream is closed and read to its end: stopping');
      void this.stop();
    }
  }

  #startReader(shardId: string): void {
    const o = this.#options;
    const reader = new ShardReader({
      client: this.#client,
      streamArn: o.streamArn,
      region: this.#region,
      shardId,
      coordinator: this.#coordinator,
      delivery: this.#delivery,
      startingPosition: o.startingPosition ?? 'TRIM_HORIZON',
      initialPosition: () => this.#planner.startingPositionOf(shardId, this.#shards),
      maxRecordsPerCall: o.maxRecordsPerCall,
      idleTimeBetweenReadsMs: o.idleTimeBetweenReadsMs,
      failureBackoff: o.failureBackoff,
      readLimits: o.readLimits,
      principal: this.#principal,
      logger: this.#logger,
      observer: o.observer,
      scheduler: this.#scheduler,
      budget: this.#budget,
      subscription: this.#subscription,
    });
    const stop = new AbortController();
    const abandon = new AbortController();
    o.observer?.onShardStarted?.(shardId);
    const ended = reader.run(stop.signal, abandon.signal).then(
      (end) => {
        this.#readers.delete(shardId);
        o.observer?.onShardStopped?.(shardId, end);
        if (end === 'lost') void this.#coordinator.release([shardId]).catch(() => {});
        // A finished parent may let children start: sync at once.
        if (end === 'finished' && this.#state === 'running') this.#schedule(0);
        return end;
      },
      (error: unknown) => {
        this.#readers.delete(shardId);
        o.observer?.onShardStopped?.(shardId, 'stopped');
        this.#logger.error({ shardId, err: errorFields(error) }, 'shard reader failed: stopping the poller');
        void this.#fail(error);
        return 'failed' as const;
      },
    );
    this.#readers.set(shardId, { reader, stop, abandon, ended });
  }

  stop(): Promise<void> {
    return this.#once.begin(undefined);
  }

  #fail(error: unknown): Promise<void> {
    return this.#once.begin(error);
  }

  async #shutdown(error: unknown): Promise<void> {
    const wasRunning = this.#state !== 'new';
    this.#enter('stop');
    clearTimeout(this.#timer);
    this.#lifetime.abort();
    const readers = [...this.#readers.values()];
    for (const running of readers) running.stop.abort();
    if (error !== undefined) for (const running of readers) running.abandon.abort();
    const bound = this.#options.stopTimeoutMs ?? 30_000;
    const all = Promise.all(readers.map((running) => running.ended));
    const timer = new AbortController();
    const finishedInTime = await Promise.race([all.then(() => true), sleep(bound, timer.signal).then(() => false)]);
    timer.abort();
    if (!finishedInTime) {
      this.#logger.warn({ stopTimeoutMs: bound }, 'stop: batches still in hand after the bound: abandoning them');
      for (const running of readers) running.abandon.abort();
      await all;
    }
    await this.#syncing?.catch(() => {});
    if (wasRunning) {
      try {
        await this.#coordinator.release();
      } catch (releaseError) {
        this.#logger.warn({ err: errorFields(releaseError) }, 'releasing leases failed');
      }
    }
    try {
      // Folds the checkpoint journal into the JSON file and closes it.
      await this.#ownedStore?.close();
    } catch (closeError) {
      this.#logger.warn({ err: errorFields(closeError) }, 'closing the checkpoint files failed');
    }
    if (this.#shared === undefined) this.#scheduler.close();
    if (this.#ownsClient) this.#client.destroy();
    this.#ownedSubscribeClient?.destroy();
    await this.#ownedDynamoDb?.then(
      (client) => client.destroy(),
      () => {},
    );
    this.#enter(error === undefined ? 'stopped' : 'failed');
    this.#logger.info({ error: error === undefined ? undefined : errorFields(error) }, 'poller stopped');
    if (error === undefined) this.#resolveDone();
    else this.#rejectDone(error);
  }

  status(): PollerStatus {
    return {
      running: isActive(this.#state),
      state: this.#state,
      shards: [...this.#readers.values()].map(({ reader }) => {
        const s = reader.status();
        return {
          shardId: s.shardId,
          state: s.state,
          ...(s.lastPollAt ? { lastPollAt: s.lastPollAt } : {}),
          ...(s.millisBehindLatest === undefined ? {} : { millisBehindLatest: s.millisBehindLatest }),
          checkpoint: s.position,
          ...(s.checkpointFailure
            ? {
                checkpointFailing: {
                  operation: s.checkpointFailure.operation,
                  since: new Date(s.checkpointFailure.since),
                  attempts: s.checkpointFailure.attempts,
                  message: s.checkpointFailure.message,
                  store: s.checkpointFailure.store,
                },
              }
            : {}),
        };
      }),
    };
  }
}

/**
 * Checks the client SubscribeToShard will use, which needs HTTP/2: `subscribeClient` when given,
 * else `kinesisClient` when given (else the poller builds one). Pure.
 * @throws InvalidInputError (`INVALID_OPTION`) when that client's request handler is not HTTP/2.
 */
function checkSubscribeClient(
  subscribeClient: KinesisClient | undefined,
  kinesisClient: KinesisClient | undefined,
): void {
  if (subscribeClient !== undefined) {
    if (speaksHttp2(subscribeClient)) return;
    throw new InvalidInputError(
      'INVALID_OPTION',
      'createPoller: subscribeClient must use an HTTP/2 request handler (NodeHttp2Handler): SubscribeToShard needs HTTP/2',
    );
  }
  if (kinesisClient !== undefined && !speaksHttp2(kinesisClient)) {
    throw new InvalidInputError(
      'INVALID_OPTION',
      'createPoller: consumerArn needs an HTTP/2 client for SubscribeToShard: the kinesisClient given uses ' +
        'HTTP/1.1; give subscribeClient (a KinesisClient with a NodeHttp2Handler and the same credentials)',
    );
  }
}
