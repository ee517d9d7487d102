import type { Logger } from 'pino';
import type { Codec } from '../codec/codec.js';
import type { DecodeLimits } from '../codec/limits.js';
import { DecodePlan } from '../decode/decode-unit.js';
import { Ledger } from '../settle/ledger.js';
import type { RetryPolicy } from './retry.js';
import type { DeadLetterHandler, RecordContext, RecordEvent } from './types.js';

/** Why a walk stopped starting units, other than a failure. */
export type StopReason = 'deadline' | 'aborted';

/** The options of one processBatch call, resolved. */
export interface RunSettings<T> {
  readonly codec: Codec<T>;
  /** Decode limits given to the codec (undefined: the codecs' defaults). */
  readonly limits: DecodeLimits | undefined;
  readonly policy: RetryPolicy;
  readonly deadLetter: DeadLetterHandler<T> | undefined;
  readonly deadline: number | undefined;
  /** The caller's signal: once aborted, nothing new starts. */
  readonly external: AbortSignal | undefined;
  /** Whether `external` was aborted (see batch-signal.ts). */
  readonly externalAbort: { readonly aborted: boolean };
  /** Aborted at the deadline or with the caller's signal: what handlers and retries see. */
  readonly signal: AbortSignal;
  readonly logger: Logger;
  readonly onRecord: ((event: RecordEvent) => void) | undefined;
}

/** What a handler's attempt gets beside the record. */
class Context implements RecordContext {
  constructor(
    readonly attempt: number,
    readonly signal: AbortSignal,
    readonly logger: Logger,
  ) {}
}

/** One processBatch call: its settings, how it decodes, its ledger, and whether it must stop. */
export class Run<T> {
  readonly plan: DecodePlan<T>;
  readonly ledger: Ledger;
  /** The context of every first attempt (its fields are the batch's): one object for every record. */
  readonly firstAttempt: RecordContext;
  stopReason: StopReason | undefined;

  constructor(readonly settings: RunSettings<T>) {
    this.plan = new DecodePlan(settings.codec, settings.limits);
    this.ledger = new Ledger(settings.onRecord, settings.logger);
    this.firstAttempt = Object.freeze(new Context(1, settings.signal, settings.logger));
  }

  /** The context of attempt `n` (a retry). */
  attempt(n: number): RecordContext {
    return new Context(n, this.settings.signal, this.settings.logger);
  }

  /** True (and remembers why) when no new unit may start: the caller aborted or the deadline passed. */
  shouldStop(): boolean {
    if (this.stopReason !== undefined) return true;
    const s = this.settings;
    if (s.externalAbort.aborted) this.stopReason = 'aborted';
    else if (s.deadline !== undefined && Date.now() >= s.deadline) this.stopReason = 'deadline';
    return this.stopReason !== undefined;
  }
}
