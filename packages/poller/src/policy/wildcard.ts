/**
 * IAM's wildcard matching, without regular expressions: `*` matches any run of characters (none
 * included), `?` exactly one character; every other character matches itself. IAM has no escape:
 * a `*` or `?` in a pattern is always a wildcard.
 *
 * The greedy two-pointer match below never backtracks further than the last `*` it passed, so
 * it takes at most O(pattern length x value length) steps for any pattern (and linear time for
 * the usual ones). A RegExp built from the pattern (`*` → `.*`) backtracks exponentially on
 * patterns such as `********Z`.
 */

/** A UTF-16 surrogate: the text has characters outside the BMP, which take two code units. */
const SURROGATE = /[\uD800-\uDFFF]/;
/** A character beyond ASCII: without one, lower-casing is per character and keeps the length. */
const NON_ASCII = /[\u0080-\uFFFF]/;

/** The characters of `text` (code points, so that `?` matches an astral character whole). */
function charactersOf(text: string, ignoreCase: boolean): string[] {
  const characters: string[] = [];
  for (const character of text) characters.push(ignoreCase ? character.toLowerCase() : character);
  return characters;
}

/**
 * The greedy two-pointer match over two sequences of characters (arrays, or strings when every
 * character is one code unit). On a mismatch it retries from the last `*` only, letting it take
 * one more character: at most O(p.length x v.length) steps, and no recursion.
 */
function greedyMatch(p: ArrayLike<string>, v: ArrayLike<string>): boolean {
  let pi = 0;
  let vi = 0;
  // Where the last `*` was, and the value position it is currently taken to end at.
  let star = -1;
  let starEnd = 0;
  while (vi < v.length) {
    const token = pi < p.length ? p[pi] : undefined;
    if (token === '*') {
      star = pi;
      pi += 1;
      starEnd = vi;
    } else if (token !== undefined && (token === '?' || token === v[vi])) {
      pi += 1;
      vi += 1;
    } else if (star >= 0) {
      starEnd += 1;
      vi = starEnd;
      pi = star + 1;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === '*') pi += 1;
  return pi === p.length;
}

/**
 * Whether `value` matches the IAM wildcard `pattern`. `ignoreCase` for actions (IAM compares
 * action names case-insensitively); ARNs (Resource, principals, ARN conditions) are
 * case-sensitive.
 */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const literal = !pattern.includes('*') && !pattern.includes('?');
  if (!ignoreCase) {
    if (literal) return pattern === value;
    // Strings whose characters are one code unit each are matched as they are (no arrays).
    if (!SURROGATE.test(pattern) && !SURROGATE.test(value)) return greedyMatch(pattern, value);
  } else if (!NON_ASCII.test(pattern) && !NON_ASCII.test(value)) {
    const p = pattern.toLowerCase();
    const v = value.toLowerCase();
    return literal ? p === v : greedyMatch(p, v);
  }
  // Beyond ASCII, characters are lower-cased one by one (as the reference does: no final sigma).
  return greedyMatch(charactersOf(pattern, ignoreCase), charactersOf(value, ignoreCase));
}

/** An ARN cut into its six components (the last one keeps its own colons), or undefined. */
function arnComponents(arn: string): string[] | undefined {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < 5; i += 1) {
    const colon = arn.indexOf(':', start);
    if (colon < 0) return undefined;
    parts.push(arn.slice(start, colon));
    start = colon + 1;
  }
  parts.push(arn.slice(start));
  return parts;
}

/**
 * IAM's `ArnLike` / `ArnEquals`: each of the six colon-separated components of the ARN is
 * matched on its own, case-sensitively, with `*` and `?` wildcards; a value or pattern with fewer
 * than six components does not match.
 */
export function arnMatch(pattern: string, value: string): boolean {
  const p = arnComponents(pattern);
  const v = arnComponents(value);
  if (p === undefined || v === undefined) return false;
  return p.every((component, i) => wildcardMatch(component, v[i]!, false));
}
