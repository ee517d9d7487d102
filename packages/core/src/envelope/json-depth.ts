/**
 * Deepest nesting of arrays and objects that record data may have to be inlined in an envelope as
 * JSON; deeper data goes as base64. EventBridge's PutEvents "will only process nested JSON up to
 * 1000 levels deep" (API reference; 1100 in older revisions), and the envelope puts the data one
 * level below the `detail`, itself one level below the event: 512 keeps well inside that limit
 * however levels are counted, and keeps any recursive JSON code on the receiving side far from the
 * stack limit. `1` has depth 0, `[]` and `{}` depth 1, `{"a":[1]}` depth 2.
 */
export const MAX_INLINED_JSON_DEPTH = 512;

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** True when `text` holds more than `limit` of `{` and `[` in all (inside strings too): native searches only. */
function hasMoreOpenersThan(text: string, limit: number): boolean {
  let count = 0;
  for (let i = text.indexOf('{'); i !== -1; i = text.indexOf('{', i + 1)) if (++count > limit) return true;
  for (let i = text.indexOf('['); i !== -1; i = text.indexOf('[', i + 1)) if (++count > limit) return true;
  return false;
}

/** Index of the quote that closes the string whose content starts at `from`, or -1. */
function closingQuote(text: string, from: number): number {
  let at = text.indexOf('"', from);
  while (at !== -1) {
    let backslashes = 0;
    for (let j = at - 1; j >= from && text.charCodeAt(j) === BACKSLASH; j--) backslashes++;
    if (backslashes % 2 === 0) return at;
    at = text.indexOf('"', at + 1);
  }
  return -1;
}

/**
 * True when the JSON `text` nests arrays and objects more than `limit` levels deep. One pass
 * without recursion, and most texts are cleared by two native searches (a depth above `limit`
 * needs more than `limit` opening brackets, and more than twice as many characters). Brackets
 * inside strings do not count. On text that is not JSON the answer has no meaning, but it is
 * reached in linear time all the same.
 */
export function jsonNestsDeeperThan(text: string, limit: number): boolean {
  if (text.length <= 2 * limit + 1 || !hasMoreOpenersThan(text, limit)) return false;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = closingQuote(text, i + 1);
      if (end === -1) return false;
      i = end;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > limit) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}
