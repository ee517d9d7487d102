import type { EventBridgeClient, PutEventsCommandOutput, PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { backoffDelay, sleep } from '@streamshare/core/internal';
import { PutEventsCommand } from '../deps/commonjs.cjs';
import { RETRYABLE_ENTRY_ERROR_CODES } from '../errors.js';
import { type RetrySchedule, scheduleBackoff } from './backoff.js';
import { isRetryableCallError } from './classify.js';

/** How one entry of a chunk ended. */
export type EntryOutcome =
  | { readonly kind: 'accepted'; readonly eventId: string | undefined; readonly attempts: number }
  | {
      readonly kind: 'refused';
      readonly errorCode: string;
      readonly errorMessage: string | undefined;
      readonly attempts: number;
    }
  | { readonly kind: 'call-failed'; readonly error: unknown; readonly retryable: boolean; readonly attempts: number };

/** The logger calls the forwarder makes (pino's `Logger` fits). */
export interface ForwarderLogger {
  debug(details: object, message: string): void;
  warn(details: object, message: string): void;
}

/** What sending a chunk needs. */
export interface ChunkSender {
  readonly client: EventBridgeClient;
  readonly retry: RetrySchedule;
  readonly logger: ForwarderLogger;
  readonly signal: AbortSignal;
  readonly random?: () => number;
}

/**
 * Sends one chunk (entries that fit one PutEvents call) and re-sends only what failed: entries
 * answered with `ThrottlingException` or `InternalFailure`, or the whole remainder when the call
 * threw a transient error, with core's backoff and jitter, up to `retry.attempts` sends. Returns one
 * outcome per entry, in order. Rejects only when the signal aborts (with its reason).
 *
 * A loop of its own rather than core's `retryCall`: each send re-sends only the entries still pending,
 * a send can half succeed (some entries accepted, some to send again), and the result is an outcome
 * per entry rather than one value or one error.
 */
export async function putChunk(
  entries: readonly PutEventsRequestEntry[],
  sender: ChunkSender,
): Promise<EntryOutcome[]> {
  const outcomes: (EntryOutcome | undefined)[] = entries.map(() => undefined);
  let pending = entries.map((_, i) => i);
  const backoff = scheduleBackoff(sender.retry);
  const pause = async (attempt: number) => {
    await sleep(backoffDelay(attempt, backoff, sender.random), sender.signal);
    sender.signal.throwIfAborted();
  };
  for (let attempt = 1; pending.length > 0; attempt++) {
    const last = attempt >= sender.retry.attempts;
    let answer: PutEventsCommandOutput;
    try {
      answer = await sender.client.send(new PutEventsCommand({ Entries: pending.map((i) => entries[i]!) }), {
        abortSignal: sender.signal,
      });
      if ((answer.Entries?.length ?? -1) !== pending.length) {
        throw Object.assign(
          new Error(`PutEvents answered ${answer.Entries?.length ?? 'no'} entries for ${pending.length} sent`),
          { name: 'InternalFailure' },
        );
      }
    } catch (error) {
      if (sender.signal.aborted) throw sender.signal.reason;
      const retryable = isRetryableCallError(error);
      sender.logger.warn(
        { attempt, entries: pending.length, error: (error as Error)?.name, retryable },
        'PutEvents call failed',
      );
      if (!retryable || last) {
        for (const i of pending) outcomes[i] = { kind: 'call-failed', error, retryable, attempts: attempt };
        break;
      }
      await pause(attempt);
      continue;
    }
    const again: number[] = [];
    for (const [k, result] of (answer.Entries ?? []).entries()) {
      const i = pending[k]!;
      if (!result.ErrorCode) {
        outcomes[i] = { kind: 'accepted', eventId: result.EventId, attempts: attempt };
      } else if (RETRYABLE_ENTRY_ERROR_CODES.has(result.ErrorCode) && !last) {
        again.push(i);
      } else {
        outcomes[i] = {
          kind: 'refused',
          errorCode: result.ErrorCode,
          errorMessage: result.ErrorMessage,
          attempts: attempt,
        };
      }
    }
    if (again.length > 0) {
      sender.logger.debug({ attempt, failed: again.length }, 'PutEvents entries failed transiently, re-sending them');
      await pause(attempt);
    }
    pending = again;
  }
  return outcomes as EntryOutcome[];
}
