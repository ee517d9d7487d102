import { describeThrown, readThrownProperty } from '../errors/thrown.js';

/** Longer messages go through describeThrown, which clips them. */
const MAX_PLAIN_MESSAGE = 2_000;

/**
 * The text of a thrown value for the reason part of a message: an error's `message` as it is (no
 * class name, as messages always gave it), any other value (or a very long message) as
 * `describeThrown` gives it. Never throws.
 */
export function reasonOf(error: unknown): string {
  const message = readThrownProperty(error, 'message');
  return typeof message === 'string' && message.length <= MAX_PLAIN_MESSAGE ? message : describeThrown(error);
}
