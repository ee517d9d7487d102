/**
 * True for a thenable: what a handler, codec or callback may return instead of a value. Reading
 * `then` may throw (a hostile value): callers read it where a throw is that callback's failure.
 */
export function isThenable<T>(value: unknown): value is PromiseLike<T> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
