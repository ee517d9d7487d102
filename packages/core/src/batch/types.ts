import type { Logger } from 'pino';
import type { SequenceCheckpoint } from '../checkpoint/checkpoint.js';
import type { Codec, CodecName } from '../codec/codec.js';
import type { DecodeLimits } from '../codec/limits.js';
import type { KinesisSdkRecord } from '../normalize/kinesis-record.js';
import type { LambdaKinesisRecord } from '../normalize/lambda-record.js';
import type { StreamRecord } from '../record/stream-record.js';

/** What a record handler gets beside the record. */
export interface RecordContext {
  /** 1 on the first try, then 2, 3, ... on retries. */
  readonly attempt: number;
  /** Aborted when the batch is being abandoned (deadline, shutdown). */
  readonly signal: AbortSignal;
  readonly logger: Logger;
}

/** A handler called once per record, in sequence order (per partition key with concurrency). */
export type RecordHandler<T = unknown> = (record: StreamRecord<T>, context: RecordContext) => void | Promise<void>;

/** What a batch handler gets beside the records. */
export interface BatchContext {
  readonly signal: AbortSignal;
  readonly logger: Logger;
  /** No new work should start after this time (epoch ms), when set. */
  readonly deadline?: number;
  /**
   * The dead-letter callback of the batch's poison policy, or `undefined` when the policy is to
   * block. A batch handler that gives up on a record calls it and counts the record as done.
   */
  readonly deadLetter?: DeadLetterHandler<unknown>;
}

/**
 * What a batch handler reports: the first `done` records (in the order given) succeeded; when
 * `done < records.length`, `error` says why record `done` failed. Returning nothing means all done.
 */
export interface BatchHandlerResult {
  readonly done: number;
  readonly error?: unknown;
}

/** Options of `batchHandler`. */
export interface BatchHandlerOptions {
  /**
   * The handler retries transient failures itself (default false): processBatch then never calls
   * it again in place, whatever its `retry` option says. A retryable error it reports still ends
   * the batch there, for the transport to redeliver (Lambda's retry, the poller's next read).
   */
  readonly ownRetries?: boolean;
}

/** A handler that takes the whole decoded batch at once (e.g. the EventBridge forwarder). Make one with `batchHandler`. */
export interface BatchHandler<T = unknown> {
  readonly kind: 'batch';
  /**
   * True when the handler retries transient failures itself: processBatch never calls it again in
   * place (see `BatchHandlerOptions.ownRetries`).
   */
  readonly ownRetries?: boolean;
  handle(
    records: readonly StreamRecord<T>[],
    context: BatchContext,
  ): void | BatchHandlerResult | Promise<void | BatchHandlerResult>;
}

/**
 * An input that could not even be normalized (for example Lambda data that is not base64). It is
 * walked at its position like a record that failed to decode: poison policy, never a crash.
 * `record` carries the identity (and empty `data`); `error` is typically a DecodeError.
 */
export interface RejectedRecord {
  readonly kind: 'rejected';
  readonly record: StreamRecord<Uint8Array>;
  readonly error: unknown;
}

/** An entry of an array processBatch takes: a record (raw bytes, possibly a KPL aggregate) or a rejected input. */
export type BatchInput = StreamRecord<Uint8Array> | RejectedRecord;

/**
 * The records of a Lambda Kinesis event as a record source, for processBatch to check and read
 * (base64-decode) one at a time, at its turn: a batch then holds one record's bytes at a time instead of all of them, and
 * touches each record once. Make it with `lambdaRecords(event.Records)`, which checks the first
 * record; a later record that is malformed or of another shard fails as that record.
 */
export interface LambdaRecords {
  readonly kind: 'lambda-records';
  readonly records: readonly LambdaKinesisRecord[];
  /** The stream of the records (`eventSourceARN` of the first), undefined when there are none. */
  readonly streamArn: string | undefined;
  /** The shard of the records (from `eventID` of the first), undefined when there are none. */
  readonly shardId: string | undefined;
  /** True when some record may be a KPL aggregate (its data starts as one does). */
  readonly aggregates: boolean;
}

/**
 * The records of one GetRecords page (AWS SDK v3 shape; a SubscribeToShard event's `Records` are
 * the same) of one shard as a record source, for processBatch to check and normalize one at a time,
 * at its turn: no record object is made ahead of its turn, and each record
 * is touched once. Make it with `kinesisRecords(records, { streamArn, shardId })`. A record that
 * lacks a field fails as that record (reason `decode`, an InvalidInputError of code
 * `INVALID_KINESIS_RECORD`), as a rejected input does.
 */
export interface KinesisRecords {
  readonly kind: 'kinesis-records';
  readonly records: readonly KinesisSdkRecord[];
  readonly streamArn: string;
  readonly shardId: string;
}

/** Either kind of handler. */
export type Handler<T = unknown> = RecordHandler<T> | BatchHandler<T>;

/** Called with a poison record after its retries; when it resolves, the record counts as done. */
export type DeadLetterHandler<T = unknown> = (
  record: StreamRecord<T> | StreamRecord<Uint8Array>,
  error: unknown,
) => Promise<void>;

/** Retries of a failing record in place. */
export interface RetryOptions {
  /** Total attempts including the first (default 3). 1 means no retry. */
  readonly attempts?: number;
  /** First backoff in ms (default 100). */
  readonly minDelayMs?: number;
  /** Largest backoff in ms (default 5_000). */
  readonly maxDelayMs?: number;
  /** Exponential factor (default 2). */
  readonly factor?: number;
  /** Randomize delays (default true). */
  readonly jitter?: boolean;
  /** Which errors to retry. Default: errors with `retryable: true` (e.g. `RetryableError`). */
  readonly isRetryable?: (error: unknown) => boolean;
}

/** How processBatch walks a batch. */
export interface ProcessBatchOptions<T = unknown> {
  /** Codec for the payloads (default `auto`). */
  readonly codec?: Codec<T> | CodecName;
  /**
   * Bounds on decoding one record (default: 16 MiB inflated, one million JSON objects and
   * arrays), for the codec and every built-in codec inside it; a record over a limit fails to
   * decode (a `DecodeError` whose `cause` is a `DecodeLimitError`). A codec made with
   * `withDecodeLimits` keeps the fields it sets.
   */
  readonly decodeLimits?: DecodeLimits;
  /** Expand KPL aggregates (default true). */
  readonly deaggregate?: boolean;
  /**
   * The checkpoint reading resumed from, when the batch was read from one: when it is a partly done
   * KPL aggregate (`complete: false`), the user records of that aggregate up to its
   * `subSequenceNumber` were done before and are skipped (not handled, not counted).
   */
  readonly resumeFrom?: SequenceCheckpoint;
  /** Partition keys handled at once (default 1: strict sequence order). Per-record handlers only. */
  readonly concurrency?: number;
  readonly retry?: RetryOptions;
  /** Epoch ms after which no record starts; those left are reported with a `DeadlineError`. */
  readonly deadline?: number;
  /** Poison policy: without it, a record that fails after retries blocks the shard (it is reported as `failed`). */
  readonly deadLetter?: DeadLetterHandler<T>;
  /** Abandons the walk: no new record starts once aborted. */
  readonly signal?: AbortSignal;
  /** Pino logger (default: a silent one). Secrets are redacted by `createLogger`. */
  readonly logger?: Logger;
  /** Called after each record settles (for metrics). A hook that throws is logged and ignored. */
  readonly onRecord?: (event: RecordEvent) => void;
  /** Called once with the result (for metrics). A hook that throws is logged and ignored. */
  readonly onBatch?: (result: BatchResult) => void;
}

/** Per-record hook payload. */
export interface RecordEvent {
  readonly record: StreamRecord<unknown>;
  readonly outcome: 'done' | 'dead-lettered' | 'failed';
  readonly attempts: number;
  readonly durationMs: number;
  readonly error?: unknown;
}

/** The first record that was not done, and why. */
export interface FailedRecord {
  /** The record (decoded when decoding succeeded, else raw bytes). */
  readonly record: StreamRecord<unknown>;
  /**
   * DecodeError, KplAggregateError, HandlerError (wrapping the handler's error) or DeadlineError; for
   * reason `aborted`, a HandlerError when the abort cut its retries short, else the reason of the
   * caller's signal.
   */
  readonly error: unknown;
  readonly reason: 'handler' | 'decode' | 'aggregate' | 'deadline' | 'aborted';
  /** Handler attempts made on it (0 when the handler never ran: decode failure, not started). */
  readonly attempts?: number;
  /** Set when the dead-letter callback was called for it and failed (the record then blocks). */
  readonly deadLetterError?: unknown;
}

/** The outcome of a batch, following the checkpoint invariant. */
export interface BatchResult {
  /**
   * The last record done in sequence order (low-water mark), or undefined when none was. A KPL
   * aggregate consumed without a user record to deliver (none in it) right after it moves it past
   * that aggregate.
   */
  readonly checkpoint: SequenceCheckpoint | undefined;
  /** The first record (in sequence order) not done, or undefined when all were done. */
  readonly failed: FailedRecord | undefined;
  /** Records (user records after deaggregation) in the batch. */
  readonly total: number;
  /** Records done by the handler. */
  readonly succeeded: number;
  /** Records given to the dead-letter handler. */
  readonly deadLettered: number;
  readonly durationMs: number;
}
