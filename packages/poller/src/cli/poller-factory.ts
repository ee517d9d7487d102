/** The one place the CLI takes the poller engine from. */
export { createPoller } from '../poller/create-poller.js';
