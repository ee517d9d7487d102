import { InvalidInputError } from '@streamshare/core';

/** An option given to an adapter factory (`kinesisHandler`, ...) has the wrong value. Raised when the handler is built. */
export class InvalidOptionError extends InvalidInputError {
  /** The option at fault, e.g. `deadlineMarginMs`. */
  readonly option: string;

  constructor(option: string, expected: string, value: unknown) {
    super('INVALID_OPTION', `option ${option} should be ${expected}, got ${formatValue(value)}`);
    this.option = option;
  }
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (typeof value === 'function') return 'a function';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  // Never String() an object: a null-prototype object or a Proxy cannot become text safely.
  if (typeof value === 'object') return 'an object';
  return String(value);
}
