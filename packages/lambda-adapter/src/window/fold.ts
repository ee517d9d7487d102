import { ReducerError } from '../errors/reducer-error.js';

/** A window in ISO timestamps. */
export interface WindowBounds {
  readonly start: string;
  readonly end: string;
}

/** What folding a window's records gave: the new state, or why there is none. */
export type Folded<S> = { readonly state: S } | { readonly error: ReducerError };

/** What {@link fold} needs beside the reducer call. */
export interface FoldOptions {
  readonly window: WindowBounds;
  /** Records given to the reducer, for messages. */
  readonly records: number;
  /** Epoch ms by which the handler answers Lambda, when known: a reducer unsettled then is REDUCER_UNFINISHED. */
  readonly answerBy: number | undefined;
  /** The margin `answerBy` keeps before Lambda's timeout, for messages. */
  readonly responseMarginMs: number;
}

/**
 * Calls the reducer (through `call`) and settles what it gives into a state Lambda can send back,
 * or a {@link ReducerError}: it threw anything (`REDUCER_FAILED`), returned what is not a JSON
 * object (`REDUCER_STATE_INVALID`), or had not settled by `answerBy` (`REDUCER_UNFINISHED`).
 * Never rejects; no extra turn of the event loop for a reducer that returns a state.
 */
export function fold<S>(call: () => unknown, options: FoldOptions): Folded<S> | Promise<Folded<S>> {
  const failed = (cause: unknown): Folded<S> => ({ error: new ReducerError(options.window, options.records, cause) });
  let returned: unknown;
  try {
    returned = call();
  } catch (cause) {
    return failed(cause);
  }
  if (!isThenable(returned)) return checkState<S>(returned, options);
  return new Promise<Folded<S>>((resolve) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const settle = (folded: Folded<S>) => {
      if (timer !== undefined) clearTimeout(timer);
      resolve(folded);
    };
    if (options.answerBy !== undefined) {
      timer = setTimeout(
        () =>
          settle({
            error: new ReducerError(
              options.window,
              options.records,
              new Error(`it had not settled ${options.responseMarginMs} ms before Lambda's timeout`),
              'REDUCER_UNFINISHED',
            ),
          }),
        Math.max(0, options.answerBy - Date.now()),
      );
    }
    // The Promise constructor adopts the thenable; a `then` that throws rejects it.
    new Promise<unknown>((adopt) => adopt(returned)).then(
      (value) => settle(checkState<S>(value, options)),
      (cause: unknown) => settle(failed(cause)),
    );
  });
}

/** True for a thenable; false for a value whose `then` cannot be read (it is then checked as a state). */
function isThenable(value: unknown): boolean {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  try {
    return typeof (value as { then?: unknown }).then === 'function';
  } catch {
    return false;
  }
}

/**
 * The state as Lambda will send it back: a JSON object that `JSON.stringify` takes (not cyclic, no
 * BigInt, no throwing `toJSON` or getter), else a REDUCER_STATE_INVALID error.
 */
export function checkState<S>(value: unknown, options: FoldOptions): Folded<S> {
  let why: unknown;
  try {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      why = new Error(`it returned ${kindOf(value)}`);
    } else {
      const text: unknown = JSON.stringify(value);
      if (typeof text !== 'string' || !text.startsWith('{')) why = new Error('it does not serialize to a JSON object');
    }
  } catch (error) {
    why = error;
  }
  if (why === undefined) return { state: value as S };
  return { error: new ReducerError(options.window, options.records, why, 'REDUCER_STATE_INVALID') };
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/**
 * The state Lambda sent, kept aside so that a failed invocation returns it exactly, even when the
 * reducer changed it in place before failing: a JSON copy, or the value itself when it has none.
 */
export function keepState<S>(state: unknown, fresh: boolean): () => S {
  if (fresh) return () => ({}) as S;
  let text: string | undefined;
  try {
    text = JSON.stringify(state);
  } catch {
    text = undefined;
  }
  return text === undefined ? () => state as S : () => JSON.parse(text) as S;
}
