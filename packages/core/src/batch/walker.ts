import type { Logger } from 'pino';
import type { Codec } from '../codec/codec.js';
import { decodeData, decodeRecord, toDecodeError } from '../codec/decode-record.js';
import type { DecodeLimits } from '../codec/limits.js';
import { isTransientCodec } from '../codec/transient.js';
import { HandlerError } from '../errors/record-errors.js';
import { errorFromThrown } from '../errors/thrown.js';
import { decodeBase64Strict, decodeBase64Transient } from '../record/base64.js';
import {
  checkKinesisRecord,
  type KinesisRecordSource,
  type KinesisSdkRecord,
  kinesisRecordIdentity,
  kinesisStreamRecord,
} from '../record/kinesis-record.js';
import {
  base64Error,
  type LambdaKinesisRecord,
  type LambdaReadCache,
  lambdaStreamRecord,
  uncheckedIdentity,
} from '../record/lambda-record.js';
import type { StreamRecord } from '../record/stream-record.js';
import { checkAtTurn, deferredAt, emptyItems, type Items } from './items.js';
import { logSafely } from './log.js';
import { DEAD_LETTERED, DONE, FAILED, isThenable, type Outcome, RUNNING, stateOf } from './outcome.js';
import { type RetryPolicy, retryAfter } from './retry.js';
import type { DeadLetterHandler, FailedRecord, RecordContext, RecordEvent, RecordHandler } from './types.js';

/** Why the walk stopped starting records, other than a failure. */
export type StopReason = 'deadline' | 'aborted';

/** The settings a walk runs with (options resolved). */
export interface WalkSettings<T> {
  readonly codec: Codec<T>;
  /** Decode limits given to the codec (undefined: the codecs' defaults). */
  readonly limits: DecodeLimits | undefined;
  readonly policy: RetryPolicy;
  readonly deadLetter: DeadLetterHandler<T> | undefined;
  readonly deadline: number | undefined;
  /** The caller's signal: once aborted, nothing new starts. */
  readonly external: AbortSignal | undefined;
  /**
   * Set by an abort listener on `external` (a plain field: reading `AbortSignal.aborted` before
   * every record costs more than the records' own work in a tight walk).
   */
  readonly externalAbort: { aborted: boolean };
  /** Aborted at the deadline or with the caller's signal: what handlers and retries see. */
  readonly signal: AbortSignal;
  readonly logger: Logger;
  readonly onRecord: ((event: RecordEvent) => void) | undefined;
}

const EMPTY = new Uint8Array(0);

/** What the json and text codecs get as their (unread) record argument in a transient walk. */
const UNREAD_RECORD: StreamRecord<Uint8Array> = Object.freeze({
  streamArn: '',
  shardId: '',
  partitionKey: '',
  sequenceNumber: '',
  approximateArrivalTimestamp: new Date(0),
  data: EMPTY,
});

/** The record of a Lambda record read at its turn, with its decoded value (see Walker.decodeThenBuild). */
function buildLambda(
  record: LambdaKinesisRecord,
  cache: LambdaReadCache | undefined,
  data: unknown,
): StreamRecord<unknown> {
  return lambdaStreamRecord(record, data, cache);
}

/** The outcome of every record done at its first attempt when there is no onRecord hook (see Walker.doneAtFirstAttempt). */
const DONE_AT_FIRST_ATTEMPT: Outcome = Object.freeze({ kind: 'done', record: UNREAD_RECORD, attempts: 1 });

/** An item that could not be decoded, and the outcome of its poison policy (dead-lettered or failed). */
export class NotDecoded {
  constructor(readonly outcome: Outcome | Promise<Outcome>) {}
}

/** What decoding an item gives: its decoded record, or why there is none. */
export type Decoded<T> = StreamRecord<T> | NotDecoded;

class Context implements RecordContext {
  constructor(
    readonly attempt: number,
    readonly signal: AbortSignal,
    readonly logger: Logger,
  ) {}
}

/**
 * The walker of the last batch, emptied by {@link Walker.retire} and kept alive on purpose. V8's
 * optimized code holds the hidden classes (maps) of the objects it handles weakly: when a full GC
 * finds no walker, items or record cache left alive (they all die with their batch), it throws
 * that code away, and the next batch runs unoptimized while the walk is compiled again (tens of
 * ms). One emptied walker keeps those shapes alive between batches. It holds no records.
 */
const retired: { last?: Walker<unknown> } = {};

/**
 * The state of one batch walk and the per-item pipeline: pre-failure, decode, handler with
 * retries, poison policy. Strategies (in order, per key, whole batch) decide what starts when.
 */
export class Walker<T> {
  readonly states: Uint8Array;
  readonly failures = new Map<number, Outcome>();
  succeeded = 0;
  deadLettered = 0;
  stopReason: StopReason | undefined;

  /**
   * The codec is the built-in json or text (or withDecodeLimits over them): synchronous, keeps
   * nothing of the bytes, never looks at the record. So Lambda records read at their turn may be
   * base64-decoded into a scratch buffer (a record that fails to decode gets a copy of its bytes),
   * and a record read at its turn (Lambda or GetRecords) is built once, with its decoded value.
   */
  readonly transient: boolean;

  /** The context of every first attempt (its fields are the batch's): one object, not one per record. */
  readonly firstAttempt: RecordContext;

  constructor(
    readonly items: Items,
    readonly settings: WalkSettings<T>,
  ) {
    this.states = new Uint8Array(items.records.length);
    this.transient = isTransientCodec(settings.codec as Codec<unknown>);
    this.firstAttempt = Object.freeze(new Context(1, settings.signal, settings.logger));
  }

  /**
   * Empties this walker once its result is taken (no records, states or failures kept, the same
   * kinds of values so that its shape does not change) and keeps it as the last walker.
   */
  retire(): void {
    const self = this as { items: Items; states: Uint8Array };
    self.items = emptyItems(this.items.lambda, this.items.kinesis);
    self.states = new Uint8Array(0);
    this.failures.clear();
    retired.last = this as Walker<unknown>;
  }

  /** True (and remembers why) when no new record may start: caller aborted or deadline passed. */
  shouldStop(): boolean {
    if (this.stopReason !== undefined) return true;
    const s = this.settings;
    if (s.externalAbort.aborted) this.stopReason = 'aborted';
    else if (s.deadline !== undefined && Date.now() >= s.deadline) this.stopReason = 'deadline';
    return this.stopReason !== undefined;
  }

  /** Marks an item as started. */
  start(index: number): void {
    this.states[index] = RUNNING;
  }

  /** Records how an item settled and calls the onRecord hook. */
  settle(index: number, outcome: Outcome, startedAt: number): void {
    const state = stateOf(outcome);
    this.states[index] = state;
    if (state === DONE) this.succeeded++;
    else if (state === DEAD_LETTERED) this.deadLettered++;
    else this.failures.set(index, outcome);
    const hook = this.settings.onRecord;
    if (hook !== undefined) {
      const event: RecordEvent = {
        record: outcome.record,
        outcome: outcome.kind,
        attempts: outcome.attempts,
        durationMs: performance.now() - startedAt,
        ...(outcome.error === undefined ? {} : { error: outcome.error }),
      };
      try {
        hook(event);
      } catch (error) {
        logSafely(this.settings.logger, 'warn', { err: error }, 'onRecord hook threw; ignored');
      }
    }
  }

  /** Decodes item `index` and runs `handler` on it, with retries and the poison policy. */
  runRecord(index: number, handler: RecordHandler<T>): Outcome | Promise<Outcome> {
    const decoded = this.decodeAt(index);
    if (decoded instanceof NotDecoded) return decoded.outcome;
    if (decoded instanceof Promise) {
      return decoded.then((settled) =>
        settled instanceof NotDecoded ? settled.outcome : this.handle(settled, handler),
      );
    }
    return this.handle(decoded, handler);
  }

  /**
   * Decodes item `index`: its record with the codec's value, or, when it cannot be decoded (a
   * pre-failure, a Lambda record that fails its check at its turn or is not base64, a codec error),
   * a {@link NotDecoded} holding the outcome of the poison policy. A promise only when the codec
   * returns one.
   */
  decodeAt(index: number): Decoded<T> | Promise<Decoded<T>> {
    if (this.items.kinesis !== undefined) return this.decodeKinesis(index);
    const deferred = deferredAt(this.items, index);
    if (deferred !== undefined) return this.decodeDeferred(deferred, index);
    const raw = this.items.records[index] as StreamRecord<Uint8Array>;
    const pre = this.items.failures?.get(index);
    if (pre !== undefined) return new NotDecoded(this.poison(raw, pre.error, pre.reason, 0));
    let decoded: StreamRecord<T> | PromiseLike<StreamRecord<T>>;
    try {
      decoded = decodeRecord(raw, this.settings.codec, this.settings.limits);
    } catch (error) {
      return this.notDecoded(raw, error);
    }
    if (isThenable<StreamRecord<T>>(decoded)) {
      return Promise.resolve(decoded).then(
        (record): Decoded<T> => record,
        (error) => this.notDecoded(raw, error),
      );
    }
    return decoded;
  }

  /**
   * A GetRecords record checked and normalized at its turn: one that lacks a field fails to decode
   * as that record (as a rejected input would); then the codec. With the built-in json and text
   * codecs (which look at the bytes only) the record is built once, with the decoded value.
   */
  decodeKinesis(index: number): Decoded<T> | Promise<Decoded<T>> {
    const source = this.items.kinesis as KinesisRecordSource;
    const record = this.items.records[index] as KinesisSdkRecord;
    try {
      checkKinesisRecord(record, source);
    } catch (error) {
      return new NotDecoded(this.poison(kinesisRecordIdentity(record, source), error, 'decode', 0));
    }
    const bytes = record.Data;
    if (this.transient) {
      let value: T;
      try {
        value = this.settings.codec.decode(bytes, UNREAD_RECORD, this.settings.limits) as T;
      } catch (error) {
        return this.notDecoded(kinesisStreamRecord(record, source, bytes), error);
      }
      return kinesisStreamRecord(record, source, value);
    }
    return this.decodeThenBuild(kinesisStreamRecord(record, source, bytes), kinesisStreamRecord, record, source);
  }

  /**
   * A Lambda record checked and read at its turn: a record that is malformed or of another shard,
   * or whose data is not base64, fails to decode as that record (as a rejected input would); then
   * the codec. The records are built field by field (no spread): they share the batch's shard id
   * string; each gets its own arrival Date.
   */
  decodeDeferred(lambda: LambdaKinesisRecord, index: number): Decoded<T> | Promise<Decoded<T>> {
    if (this.items.raw) {
      const problem = checkAtTurn(this.items, lambda, index);
      if (problem !== undefined) return new NotDecoded(this.poison(uncheckedIdentity(lambda), problem, 'decode', 0));
    }
    const cache = this.items.lambda;
    if (this.transient) {
      const bytes = decodeBase64Transient(lambda.kinesis.data);
      if (bytes === undefined) return this.notBase64(lambda);
      let value: T;
      try {
        // json and text look at the bytes only: no record is built for them.
        value = this.settings.codec.decode(bytes, UNREAD_RECORD, this.settings.limits) as T;
      } catch (error) {
        // The record is handed on (dead letter, report): its bytes must outlive the scratch buffer.
        return this.notDecoded(lambdaStreamRecord(lambda, bytes.slice(), cache), error);
      }
      return lambdaStreamRecord(lambda, value, cache);
    }
    const bytes = decodeBase64Strict(lambda.kinesis.data);
    if (bytes === undefined) return this.notBase64(lambda);
    return this.decodeThenBuild(lambdaStreamRecord(lambda, bytes, cache), buildLambda, lambda, cache);
  }

  /**
   * Decodes the bytes of `raw` (a record read at its turn) with the codec; the record handed on is
   * `build(origin, context, value)`, made from what it was read from (no copy of `raw`).
   */
  decodeThenBuild<O, C>(
    raw: StreamRecord<Uint8Array>,
    build: (origin: O, context: C, data: unknown) => StreamRecord<unknown>,
    origin: O,
    context: C,
  ): Decoded<T> | Promise<Decoded<T>> {
    let value: T | PromiseLike<T>;
    try {
      value = decodeData(raw, this.settings.codec, this.settings.limits);
    } catch (error) {
      return this.notDecoded(raw, error);
    }
    if (isThenable<T>(value)) {
      return Promise.resolve(value).then(
        (data): Decoded<T> => build(origin, context, data) as StreamRecord<T>,
        (error) => this.notDecoded(raw, error),
      );
    }
    return build(origin, context, value) as StreamRecord<T>;
  }

  /** A record the codec could not decode: the poison policy with its DecodeError. */
  notDecoded(raw: StreamRecord<Uint8Array>, error: unknown): NotDecoded {
    return new NotDecoded(this.poison(raw, this.decodeError(raw, error), 'decode', 0));
  }

  /** A Lambda record whose data is not base64: the poison policy with its DecodeError. */
  notBase64(lambda: LambdaKinesisRecord): NotDecoded {
    const cache = this.items.lambda;
    return new NotDecoded(
      this.poison(lambdaStreamRecord(lambda, EMPTY, cache), base64Error(lambda, cache), 'decode', 0),
    );
  }

  decodeError(raw: StreamRecord<Uint8Array>, error: unknown): unknown {
    return toDecodeError(raw, this.settings.codec.name, error);
  }

  /**
   * Runs the handler's first attempt. Whatever it throws or returns (a value whose `then` cannot be
   * read, a thenable that is no Promise) gives an outcome: never a rejection.
   */
  handle(record: StreamRecord<T>, handler: RecordHandler<T>): Outcome | Promise<Outcome> {
    try {
      const result = handler(record, this.firstAttempt);
      if (isThenable<void>(result)) {
        return (result instanceof Promise ? result : Promise.resolve(result)).then(
          () => this.doneAtFirstAttempt(record),
          (error: unknown) => this.afterFailure(record, handler, error),
        );
      }
    } catch (error) {
      return this.afterFailure(record, handler, error);
    }
    return this.doneAtFirstAttempt(record);
  }

  /**
   * The outcome of a record handled at its first attempt. Only the onRecord hook reads the record of
   * a done outcome: without a hook, one shared outcome serves every record (no object per record).
   */
  doneAtFirstAttempt(record: StreamRecord<T>): Outcome {
    return this.settings.onRecord === undefined ? DONE_AT_FIRST_ATTEMPT : { kind: 'done', record, attempts: 1 };
  }

  afterFailure(record: StreamRecord<T>, handler: RecordHandler<T>, error: unknown): Outcome | Promise<Outcome> {
    const s = this.settings;
    if (s.policy.attempts <= 1 || !s.policy.isRetryable(error)) {
      return this.poison(record, new HandlerError(record, 1, error), 'handler', 1);
    }
    if (s.signal.aborted) return this.interrupted(record, 1, error);
    return retryAfter(
      s.policy,
      error,
      (n) => handler(record, new Context(n, s.signal, s.logger)),
      s.signal,
      (cause, attempt) =>
        logSafely(
          s.logger,
          'debug',
          { err: cause, sequenceNumber: record.sequenceNumber, subSequenceNumber: record.subSequenceNumber, attempt },
          'handler failed, retrying',
        ),
    ).then((r): Outcome | Promise<Outcome> => {
      if (r.ok) return { kind: 'done', record, attempts: r.attempts };
      if (r.interrupted) return this.interrupted(record, r.attempts, r.error);
      return this.poison(record, new HandlerError(record, r.attempts, r.error), 'handler', r.attempts);
    });
  }

  /** Retries cut short by the deadline or an abort: reported as failed, never dead-lettered. */
  interrupted(record: StreamRecord<T>, attempts: number, error: unknown): Outcome {
    return {
      kind: 'failed',
      record,
      attempts,
      error: new HandlerError(record, attempts, error),
      reason: this.settings.external?.aborted ? 'aborted' : 'handler',
    };
  }

  /** The poison policy: block (failed) without a dead-letter callback, else dead-letter and go on. */
  poison(
    record: StreamRecord<unknown>,
    error: unknown,
    reason: FailedRecord['reason'],
    attempts: number,
  ): Outcome | Promise<Outcome> {
    const deadLetter = this.settings.deadLetter;
    if (deadLetter === undefined) return { kind: 'failed', record, attempts, error, reason };
    const logger = this.settings.logger;
    const onDeadLetterFailure = (thrown: unknown): Outcome => {
      // Whatever the callback threw, the report carries an Error with a readable message.
      const deadLetterError = errorFromThrown(thrown);
      logSafely(
        logger,
        'error',
        { err: deadLetterError, cause: error },
        'dead-letter callback failed; blocking on the record',
      );
      return { kind: 'failed', record, attempts, error, reason, deadLetterError };
    };
    let pending: Promise<void>;
    try {
      pending = deadLetter(record as StreamRecord<T>, error);
    } catch (deadLetterError) {
      return onDeadLetterFailure(deadLetterError);
    }
    return Promise.resolve(pending).then((): Outcome => {
      logSafely(
        logger,
        'warn',
        { err: error, sequenceNumber: record.sequenceNumber, subSequenceNumber: record.subSequenceNumber },
        'record dead-lettered',
      );
      return { kind: 'dead-lettered', record, attempts, error, reason };
    }, onDeadLetterFailure);
  }

  /** True when item `index` has settled as failed. */
  isFailed(index: number): boolean {
    return this.states[index] === FAILED;
  }
}
