import { jsonNestsDeeperThan, MAX_INLINED_JSON_DEPTH } from './json-depth.js';
import { toJsonText } from './json-stringify.js';

/**
 * Removes JSON's insignificant whitespace (space, tab, CR, LF outside strings) in one pass.
 * Expects text that is valid JSON (call it after `JSON.parse` succeeded).
 */
export function stripJsonWhitespace(text: string): string {
  let out = '';
  let from = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
      if (i > from) out += text.slice(from, i);
      from = i + 1;
    }
  }
  return from === 0 ? text : out + text.slice(from);
}

/**
 * Parses `text` as JSON when that loses nothing: `JSON.stringify` of the value gives back the same
 * text, whitespace outside strings aside. Numbers that would lose precision (`12345678901234567890`,
 * `1.0`, `1e3`, `-0`), escapes that would change (`\u0041`, `\/`) and duplicate keys fail this
 * check. Returns the value and its compact text (`json`, what `JSON.stringify` gives), or
 * `undefined` when the text is not JSON, not exactly representable, or nested more than
 * `maxDepth` levels (checked first, in one pass without recursion, so that `JSON.stringify` never
 * runs out of stack).
 */
export function parseExactJson(
  text: string,
  maxDepth: number = MAX_INLINED_JSON_DEPTH,
): { value: unknown; json: string } | undefined {
  if (jsonNestsDeeperThan(text, maxDepth)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const json = toJsonText(value) as string;
  // Most producers write compact JSON: then one native comparison settles it.
  return json === text || json === stripJsonWhitespace(text) ? { value, json } : undefined;
}
