/**
 * The built package (dist/, made by `npm test`'s build step): its CommonJS entries share one copy of
 * each class, as its ES entries do, so that an error a helper of @streamshare/core/internal throws
 * (the poller's createPoller parses `streamArn` with it) is an instance of the class the main entry
 * exports and users catch.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));

it.each(['cjs', 'js'])(
  'dist (%s): an error thrown through the internal entry is an instance of the main entry’s classes',
  async (ending) => {
    const load = async (entry: string) =>
      ending === 'cjs' ? createRequire(import.meta.url)(`${dist}${entry}.cjs`) : await import(`${dist}${entry}.js`);
    const core = await load('index');
    const internal = await load('internal');
    let thrown: unknown;
    try {
      internal.parseStreamArn('kds-sharing-example1', 'streamArn');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(core.InvalidStreamArnError);
    expect(thrown).toBeInstanceOf(core.InvalidInputError);
    expect(thrown).toBeInstanceOf(core.StreamshareError);
    expect(thrown).toMatchObject({ code: 'INVALID_STREAM_ARN', setting: 'streamArn' });
    expect(internal.errorFromThrown(new core.RetryableError('x'))).toBeInstanceOf(core.StreamshareError);
  },
);
