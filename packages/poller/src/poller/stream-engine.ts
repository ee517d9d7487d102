import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { Logger } from 'pino';
import type { ShardCoordinator } from '../coordination/shard-coordinator.js';
import type { MemoryBudget } from '../scheduling/memory-budget.js';
import type { RequestScheduler } from '../scheduling/request-scheduler.js';
import type { Poller, PollerOptions } from './options.js';

/** What a stream's engine is told about its stream, to build its coordinator. */
export interface EngineStream {
  /** The engine's Kinesis client (the stream's credentials). */
  readonly client: KinesisClient;
  readonly region: string;
  /** The assumed role, when any (for AccessDenied messages). */
  readonly principal: string | undefined;
  /** The stream's logger (its lines carry the stream ARN). */
  readonly logger: Logger;
}

/**
 * What the engines of a poller of several streams share: one request scheduler and memory budget
 * (owned by the poller of several streams: an engine neither makes nor closes them), and the maker of
 * each engine's coordinator (the stream-qualified key, the one lease table or checkpoint store).
 * @internal
 */
export interface EngineShared {
  readonly scheduler: RequestScheduler;
  readonly budget: MemoryBudget;
  readonly coordinator: (stream: EngineStream) => ShardCoordinator;
}

/**
 * Makes the engine of one stream (the single-stream poller, with `shared`): what `createPoller` hands
 * the poller of several streams, so that its module does not import the engine's.
 * @internal
 */
export type StreamEngineFactory = (options: PollerOptions, shared: EngineShared) => Poller;
