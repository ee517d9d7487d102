/**
 * JavaScript lets code throw anything: `undefined`, a null-prototype object, an object whose
 * `message` or `toString` getter throws, a revoked Proxy. Every place that turns a thrown value into
 * text or reads a property of it goes through these two functions, which never throw themselves.
 */

/** Longest text taken from a thrown value, so that one hostile error cannot flood a log line. */
const MAX_DESCRIPTION = 2_000;

function clip(text: string): string {
  return text.length > MAX_DESCRIPTION ? `${text.slice(0, MAX_DESCRIPTION)}… (${text.length} characters)` : text;
}

/**
 * Reads `value[key]` without ever throwing: a getter that throws, a Proxy trap that throws or a
 * revoked Proxy all give `undefined`.
 */
export function readThrownProperty(value: unknown, key: string): unknown {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return undefined;
  try {
    return (value as Record<string, unknown>)[key];
  } catch {
    return undefined;
  }
}

/**
 * A one-line description of any thrown value, for messages and logs: an Error's `message`, a
 * string as it is, a primitive as `String()` gives it, an object through its own `toString` when
 * that gives a string, and otherwise a description of its kind (`a null-prototype object`,
 * `an object whose message cannot be read`). Never throws; clips very long text.
 */
export function describeThrown(value: unknown): string {
  if (typeof value === 'string') return clip(value);
  if (value === null || value === undefined || typeof value !== 'object') {
    if (typeof value === 'function') return describeObject(value);
    try {
      return String(value);
    } catch {
      return `a thrown ${typeof value}`;
    }
  }
  return describeObject(value);
}

function describeObject(value: object): string {
  const message = readThrownProperty(value, 'message');
  if (typeof message === 'string') {
    const name = readThrownProperty(value, 'name');
    const prefix = typeof name === 'string' && name !== 'Error' && name !== '' ? `${name}: ` : '';
    return clip(prefix + message);
  }
  let proto: unknown;
  try {
    proto = Object.getPrototypeOf(value);
  } catch {
    return 'a thrown object that cannot be inspected (a Proxy whose traps throw?)';
  }
  if (proto === null) return 'a thrown null-prototype object';
  const ownToString = readThrownProperty(value, 'toString');
  if (typeof ownToString === 'function' && ownToString !== Object.prototype.toString) {
    try {
      const text: unknown = ownToString.call(value);
      if (typeof text === 'string') return clip(text);
    } catch {
      // fall through to the generic description
    }
  }
  try {
    return clip(`a thrown ${Object.prototype.toString.call(value).slice(8, -1)}`);
  } catch {
    return 'a thrown object that cannot be inspected';
  }
}

/**
 * An `Error` for any thrown value: the value itself when it is a genuine Error (its `message`
 * readable as a string), otherwise a new Error whose message is {@link describeThrown}'s and whose
 * `cause` is the value. Never throws.
 */
export function errorFromThrown(value: unknown): Error {
  let isError = false;
  try {
    isError = value instanceof Error && typeof readThrownProperty(value, 'message') === 'string';
  } catch {
    // a Proxy whose getPrototypeOf trap throws, or a revoked one
  }
  return isError ? (value as Error) : new Error(describeThrown(value), { cause: value });
}
