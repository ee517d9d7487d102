import { StreamshareError } from '@streamshare/core';

/**
 * The reducer of `kinesisWindowHandler` threw. When the invocation had records, the handler reports
 * its first record (the whole batch is retried with the state it came with); when it had none (the
 * final invocation of a window), this error is thrown so that Lambda retries the invocation.
 */
export class ReducerError extends StreamshareError {
  /** The window whose reducer failed. */
  readonly window: { readonly start: string; readonly end: string };

  constructor(window: { start: string; end: string }, records: number, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(
      'REDUCER_FAILED',
      `the window reducer failed on ${records} record(s) of window ${window.start}/${window.end}: ${why}`,
      {
        cause,
        retryable: true,
      },
    );
    this.window = { start: window.start, end: window.end };
  }
}
