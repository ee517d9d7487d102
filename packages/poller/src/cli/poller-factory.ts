import type { MultiStreamPollerOptions } from '../poller/multi-options.js';
import type { Poller, PollerOptions } from '../poller/options.js';

/**
 * The one place the CLI takes the poller engine from. Loaded on demand, so that `--help` and usage
 * errors answer without loading the AWS SDK.
 */
export async function createPoller(options: PollerOptions | MultiStreamPollerOptions): Promise<Poller> {
  const engine = await import('../poller/create-poller.js');
  return engine.createPoller(options);
}
