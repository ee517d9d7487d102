import { StreamshareError } from '@streamshare/core';
import { describeThrown } from '@streamshare/core/internal';

/**
 * What went wrong with the reducer of `kinesisWindowHandler`:
 *
 * - `REDUCER_FAILED`: it threw (any value), or `initialState()` did;
 * - `REDUCER_STATE_INVALID`: it returned a state Lambda cannot send back: not a JSON object
 *   (`undefined`, an array, a number), or one that `JSON.stringify` refuses (cyclic, a BigInt, a
 *   throwing `toJSON` or getter);
 * - `REDUCER_UNFINISHED`: it had not settled when the handler had to answer Lambda
 *   (`responseMarginMs` before the timeout).
 */
export type ReducerErrorCode = 'REDUCER_FAILED' | 'REDUCER_STATE_INVALID' | 'REDUCER_UNFINISHED';

/**
 * The reducer of `kinesisWindowHandler` failed (see {@link ReducerErrorCode}). When the invocation
 * had records, the handler reports its first record and returns the state Lambda sent (the whole
 * batch is retried with it); when it had none (the final invocation of a window), this error is
 * thrown so that Lambda retries the invocation. Retryable.
 */
export class ReducerError extends StreamshareError {
  /** The window whose reducer failed. */
  readonly window: { readonly start: string; readonly end: string };
  declare readonly code: ReducerErrorCode;

  /**
   * @param cause What the reducer threw (any value), or why its state is refused.
   * @param code `REDUCER_FAILED` (default), `REDUCER_STATE_INVALID` or `REDUCER_UNFINISHED`.
   */
  constructor(
    window: { start: string; end: string },
    records: number,
    cause: unknown,
    code: ReducerErrorCode = 'REDUCER_FAILED',
  ) {
    const what =
      code === 'REDUCER_STATE_INVALID'
        ? 'returned a state Lambda cannot send back (a JSON object is needed)'
        : code === 'REDUCER_UNFINISHED'
          ? 'had not finished when the handler had to answer Lambda'
          : 'failed';
    super(
      code,
      `the window reducer ${what} on ${records} record(s) of window ${window.start}/${window.end}: ${describeThrown(cause)}`,
      { cause, retryable: true },
    );
    this.window = { start: window.start, end: window.end };
  }
}
