/**
 * `value instanceof type`, without throwing: a Proxy whose getPrototypeOf trap throws, or a revoked
 * Proxy, is not an instance of anything here.
 * @internal
 */
export function isInstance<T>(value: unknown, type: abstract new (...args: never[]) => T): value is T {
  try {
    return value instanceof type;
  } catch {
    return false;
  }
}
