import { InvalidOptionError } from '../errors/invalid-option-error.js';

/** Checks that an optional option is a non-negative finite number; returns it or the default. */
export function nonNegative(option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InvalidOptionError(option, 'a non-negative number of milliseconds', value);
  }
  return value;
}

/** Checks that an optional option is a boolean; returns it or the default. */
export function booleanOption(option: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new InvalidOptionError(option, 'true or false', value);
  return value;
}
