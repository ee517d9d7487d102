export { type CliIo, COMMANDS, type Command } from './commands/index.js';
export { pollCommand, pollerOptionsFrom } from './commands/poll.js';
export { envNameOf, type FlagDefinition, formatFlags, type RawFlags, type RawValue, readFlags } from './flags.js';
export { classifyHandler, type LoadedHandler, loadHandler } from './load-handler.js';
export { CODECS, LOG_LEVELS, POLL_DEFAULTS, POLL_FLAGS, type PollConfig, pollConfigFrom } from './poll-config.js';
export { mainHelp, runCli } from './run.js';
export { EXIT_FAILURE, EXIT_USAGE, UsageError } from './usage-error.js';
