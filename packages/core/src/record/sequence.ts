/**
 * Compares two Kinesis sequence numbers (decimal strings of up to 128 bits).
 * Negative when `a` comes first, 0 when equal, positive when `a` comes after `b`.
 */
export function compareSequenceNumbers(a: string, b: string): number {
  const x = a.replace(/^0+(?=\d)/, '');
  const y = b.replace(/^0+(?=\d)/, '');
  if (x.length !== y.length) return x.length - y.length;
  return x < y ? -1 : x > y ? 1 : 0;
}
