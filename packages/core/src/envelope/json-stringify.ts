/**
 * `JSON.stringify` without recursion. V8's `JSON.stringify` recurses once per level of nesting and
 * throws a RangeError ("Maximum call stack size exceeded") a few thousand levels down, although
 * `JSON.parse` reads any depth: a decoded record nested 5,000 levels can be read but not written
 * back. {@link stringifyJson} gives the same text as `JSON.stringify(value)` (no replacer, no
 * indentation: `toJSON`, boxed primitives, `undefined` / functions / symbols left out of objects
 * and `null` in arrays, non-finite numbers as `null`, a TypeError for a BigInt or a cycle) at any
 * depth, with an explicit stack on the heap.
 */

interface ArrayFrame {
  readonly array: true;
  readonly value: object;
  readonly length: number;
  index: number;
}

interface ObjectFrame {
  readonly array: false;
  readonly value: object;
  readonly keys: readonly string[];
  index: number;
  /** Whether a member was written (the next one needs a comma). */
  wrote: boolean;
}

type Frame = ArrayFrame | ObjectFrame;

/** What a value serializes to: its text, nothing (`undefined`), or a container to open. */
type Serialized = string | undefined | { readonly container: object; readonly array: boolean };

function hasSlot(check: (value: object) => unknown, value: object): boolean {
  try {
    check(value);
    return true;
  } catch {
    return false;
  }
}

/** SerializeJSONProperty's steps 2 to 4: `toJSON`, then boxed primitives unwrapped. */
function prepare(value: unknown, key: string): unknown {
  if ((typeof value === 'object' && value !== null) || typeof value === 'bigint') {
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') value = toJSON.call(value, key);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const proto = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) return value;
  if (hasSlot((v) => Number.prototype.valueOf.call(v), value)) return Number(value);
  if (hasSlot((v) => String.prototype.valueOf.call(v), value)) return String(value);
  if (hasSlot((v) => Boolean.prototype.valueOf.call(v), value)) return Boolean.prototype.valueOf.call(value);
  if (hasSlot((v) => BigInt.prototype.valueOf.call(v), value)) return BigInt.prototype.valueOf.call(value);
  return value;
}

function serialize(value: unknown, key: string): Serialized {
  const v = prepare(value, key);
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return Number.isFinite(v) ? String(v) : 'null';
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      throw new TypeError('Do not know how to serialize a BigInt');
    case 'object':
      return v === null ? 'null' : { container: v, array: Array.isArray(v) };
    default:
      return undefined; // undefined, a function, a symbol
  }
}

/**
 * The text `JSON.stringify(value)` gives, computed without recursion, so at any depth. Returns
 * `undefined` when `JSON.stringify` would (`undefined`, a function, a symbol).
 * @throws TypeError for a cycle or a BigInt, as `JSON.stringify`; whatever a `toJSON` method or
 *   a getter throws.
 */
export function stringifyJson(value: unknown): string | undefined {
  const top = serialize(value, '');
  if (top === undefined || typeof top === 'string') return top;
  const stack: Frame[] = [];
  const open = new Set<object>();
  let out = '';
  const push = (container: object, array: boolean): void => {
    if (open.has(container)) throw new TypeError('Converting circular structure to JSON');
    open.add(container);
    if (array) {
      out += '[';
      stack.push({ array: true, value: container, length: (container as unknown[]).length, index: 0 });
    } else {
      out += '{';
      stack.push({ array: false, value: container, keys: Object.keys(container), index: 0, wrote: false });
    }
  };
  push(top.container, top.array);
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    if (frame.array) {
      if (frame.index >= frame.length) {
        out += ']';
        stack.pop();
        open.delete(frame.value);
        continue;
      }
      const index = frame.index++;
      if (index > 0) out += ',';
      const item = serialize((frame.value as Record<number, unknown>)[index], String(index));
      if (item === undefined) out += 'null';
      else if (typeof item === 'string') out += item;
      else push(item.container, item.array);
    } else {
      if (frame.index >= frame.keys.length) {
        out += '}';
        stack.pop();
        open.delete(frame.value);
        continue;
      }
      const key = frame.keys[frame.index++]!;
      const member = serialize((frame.value as Record<string, unknown>)[key], key);
      if (member === undefined) continue;
      out += `${frame.wrote ? ',' : ''}${JSON.stringify(key)}:`;
      frame.wrote = true;
      if (typeof member === 'string') out += member;
      else push(member.container, member.array);
    }
  }
  return out;
}

/**
 * `JSON.stringify(value)`, falling back to {@link stringifyJson} when the native one runs out of
 * stack: the same text at any depth, at native speed for ordinary values.
 * @throws as `JSON.stringify` does for a cycle, a BigInt, a throwing `toJSON` or getter.
 */
export function toJsonText(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    return stringifyJson(value);
  }
}
