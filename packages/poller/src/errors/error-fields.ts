import { describeThrown, readThrownProperty } from '@streamshare/core/internal';

/** What the poller's log lines carry of an error (under `err`): never the value itself. */
export interface ErrorFields {
  /** {@link describeThrown} of the value: an Error's message, or a description of what was thrown. */
  readonly message: string;
  /** Its `code`, when that is a string (a StreamshareError's, an AWS error's, a Node system error's). */
  readonly code?: string;
  /** Its `name`, when that is a string. */
  readonly name?: string;
}

/**
 * Log fields of any thrown value (pure; never throws): its description, and its `code` and `name`
 * when they are strings. A hostile value (a null-prototype object, a throwing getter, a Proxy) is
 * never handed to pino, whose error serializer would read its properties.
 * @internal
 */
export function errorFields(error: unknown): ErrorFields {
  const code = readThrownProperty(error, 'code');
  const name = readThrownProperty(error, 'name');
  return {
    message: describeThrown(error),
    ...(typeof code === 'string' ? { code } : {}),
    ...(typeof name === 'string' ? { name } : {}),
  };
}
