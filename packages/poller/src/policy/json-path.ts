/** JSON paths of policy elements, for findings: `Statement[0].Principal.AWS`, `$` for the document. */

/** The path of the whole document. */
export const ROOT_PATH = '$';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The path of `key` (an object key or an array index) under `parent`. */
export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  if (IDENTIFIER.test(key)) return parent === ROOT_PATH ? key : `${parent}.${key}`;
  return `${parent}[${quote(key)}]`;
}

/** What a JSON value is, for messages: `a number`, `null`, `an array`, `an object`. */
export function describeJsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    case 'undefined':
      return 'nothing';
    case 'object':
      return 'an object';
    default:
      return `a ${typeof value} (not JSON)`;
  }
}

const MAX_QUOTED = 200;

/** A value from the policy, JSON-quoted for a message, clipped when long. */
export function quote(value: string): string {
  return value.length > MAX_QUOTED
    ? `${JSON.stringify(value.slice(0, MAX_QUOTED))}… (${value.length} characters)`
    : JSON.stringify(value);
}

/** A value from the policy as it is (an ARN), clipped when long. */
export function clip(value: string): string {
  return value.length > MAX_QUOTED ? `${value.slice(0, MAX_QUOTED)}… (${value.length} characters)` : value;
}
