/** A reference for IAM wildcard matching in tests: obviously right, not fast. */

/** Reference: a dynamic program over (pattern position, value position), no cleverness. */
export function referenceMatch(pattern: string, value: string, ignoreCase: boolean): boolean {
  const fold = (s: string) => [...s].map((c) => (ignoreCase ? c.toLowerCase() : c));
  const p = fold(pattern);
  const v = fold(value);
  // can[i][j]: p[i..] matches v[j..]
  const can: boolean[][] = Array.from({ length: p.length + 1 }, () => new Array<boolean>(v.length + 1).fill(false));
  can[p.length]![v.length] = true;
  for (let i = p.length - 1; i >= 0; i -= 1) {
    for (let j = v.length; j >= 0; j -= 1) {
      const token = p[i];
      if (token === '*') can[i]![j] = can[i + 1]![j]! || (j < v.length && can[i]![j + 1]!);
      else can[i]![j] = j < v.length && (token === '?' || token === v[j]) && can[i + 1]![j + 1]!;
    }
  }
  return can[0]![0]!;
}
