import { checkpointsCommand } from './checkpoints.js';
import type { Command } from './command.js';
import { consumerCommand } from './consumer.js';
import { doctorCommand } from './doctor.js';
import { importCommand } from './import-kcl.js';
import { policyCommand } from './policy.js';
import { pollCommand } from './poll.js';

/** Every subcommand of `streamshare`, in help order. Add a subcommand: one module here, one line in this table. */
export const COMMANDS: readonly Command[] = [
  pollCommand,
  policyCommand,
  consumerCommand,
  doctorCommand,
  checkpointsCommand,
  importCommand,
];

export type { CliIo, Command } from './command.js';
