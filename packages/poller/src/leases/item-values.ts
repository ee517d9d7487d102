import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/** Readers of one attribute of a DynamoDB item, tolerant of anything: a missing or mistyped attribute is `undefined`. */

/** The attribute as a string (S). */
export function itemString(item: Record<string, AttributeValue>, name: string): string | undefined {
  const value = item[name];
  return value !== undefined && 'S' in value && typeof value.S === 'string' ? value.S : undefined;
}

/** The attribute as a finite number (N). */
export function itemNumber(item: Record<string, AttributeValue>, name: string): number | undefined {
  const value = item[name];
  if (value === undefined || !('N' in value) || typeof value.N !== 'string') return undefined;
  const n = Number(value.N);
  return Number.isFinite(n) ? n : undefined;
}

/** The attribute as a boolean (BOOL). */
export function itemBoolean(item: Record<string, AttributeValue>, name: string): boolean | undefined {
  const value = item[name];
  return value !== undefined && 'BOOL' in value && typeof value.BOOL === 'boolean' ? value.BOOL : undefined;
}
