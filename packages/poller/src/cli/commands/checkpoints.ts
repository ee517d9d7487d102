import { StreamshareError } from '@streamshare/core';
import { type Applied, applyToDirectory, applyToLeaseTable, type CheckpointWrite } from '../../admin/apply.js';
import { currentStreamKey, type ToolRole } from '../../admin/current-key.js';
import { planSet } from '../../admin/set-plan.js';
import { parseSetTarget } from '../../admin/set-target.js';
import { checkpointText, formatRows, formatTable, rowJson, type ShardRow } from '../../admin/shard-row.js';
import { describeChoice, findStreamKey, parseKeyFlag, type StreamKeyChoice } from '../../admin/stream-keys.js';
import { isInstance } from '../../errors/instance.js';
import { type FlagDefinition, flagLabel, formatFlags, type RawFlags, readFlags } from '../flags.js';
import { type OpenedStore, openStore, STORE_FLAGS, storeChoiceFrom } from '../store-flags.js';
import { EXIT_FAILURE, EXIT_USAGE, UsageError } from '../usage-error.js';
import { parseInteger, parseRoleArn, parseStreamArn } from '../values.js';
import type { CliIo, Command } from './command.js';

/** Default of `--failover-ms` of `checkpoints set`: the poller's default failover time. */
export const SET_FAILOVER_DEFAULT_MS = 15_000;

const HELP_FLAG: FlagDefinition = { name: 'help', type: 'boolean', description: 'Show this help.' };

/**
 * The flags that pick a stream's checkpoint key (`checkpoints list|set`): `--key`, and the role
 * DescribeStreamSummary is called as when the stream's key as it is now must be found.
 */
export const KEY_FLAGS: readonly FlagDefinition[] = [
  {
    name: 'key',
    type: 'string',
    value: 'KEY',
    description:
      "The stream's checkpoint key to work on, as checkpoints list shows it: its ARN (a single-stream poller's) or ARN:EPOCH (a poller of several streams', EPOCH the stream's creation time in epoch seconds: an earlier stream of the name too). Default: found from --stream-arn.",
  },
  {
    name: 'role-arn',
    type: 'string',
    value: 'ARN',
    description:
      "Assume this role (as the poller does) for the one DescribeStreamSummary that tells the key of the stream as it is now (its creation time), made only when the store holds keys ARN:EPOCH of the stream. Default: this environment's identity.",
  },
  { name: 'external-id', type: 'string', value: 'ID', description: 'External id for --role-arn.' },
];

/** The flags of `streamshare checkpoints list`. */
export const LIST_FLAGS: readonly FlagDefinition[] = [
  ...STORE_FLAGS,
  {
    name: 'stream-arn',
    type: 'string',
    value: 'ARN',
    description: 'Only this stream, under its key (see --key; default: every key of every stream in the store).',
  },
  ...KEY_FLAGS,
  { name: 'json', type: 'boolean', description: 'Print a JSON array (one object per shard) instead of a table.' },
  HELP_FLAG,
];

/** The flags of `streamshare checkpoints set`. */
export const SET_FLAGS: readonly FlagDefinition[] = [
  {
    name: 'stream-arn',
    type: 'string',
    value: 'ARN',
    required: true,
    description: 'The stream, by ARN (or give --key alone).',
  },
  ...KEY_FLAGS,
  {
    name: 'to',
    type: 'string',
    value: 'trim-horizon|latest|TIME|SEQUENCE',
    required: true,
    description:
      'The new checkpoint: trim-horizon (replay everything kept), latest (skip to new records), an ISO-8601 TIME (replay or skip to the records written from then, e.g. 2024-02-28T06:15:00Z), or a SEQUENCE number (every record up to and including it counts as done; needs --shard).',
  },
  {
    name: 'shard',
    type: 'string',
    value: 'ID',
    multiple: true,
    description: 'Only this shard (repeat for several; default: every shard of the stream in the store).',
  },
  ...STORE_FLAGS,
  {
    name: 'failover-ms',
    type: 'string',
    value: 'N',
    defaultText: String(SET_FAILOVER_DEFAULT_MS),
    description:
      "Lease table: a lease is live when its counter moves within this time (give the workers' --failover-ms); when a shard has an owner, set waits this long to tell.",
  },
  {
    name: 'force',
    type: 'boolean',
    description:
      "Lease table: take the leases of live workers away all the same. They are fenced through the lease counter: each one's next checkpoint is refused (LEASE_LOST).",
  },
  {
    name: 'dry-run',
    type: 'boolean',
    description:
      'Write nothing: print the table of what would change (each shard before and after) and what the set would check first.',
  },
  { name: 'json', type: 'boolean', description: 'Print what was set (or would be, with --dry-run) as JSON.' },
  HELP_FLAG,
];

const FOOTER = [
  'Exit codes: 0 done (or dry run printed); 1 refused (a live worker holds a lease, a process holds the',
  'checkpoint directory, the stream\u2019s key is ambiguous or its creation time cannot be read) or a DynamoDB',
  'or file system failure; 2 bad flag.',
  'AWS_REGION (else the region of --stream-arn) and AWS_ENDPOINT_URL_DYNAMODB are honoured for --lease-table.',
].join('\n');

const USAGE = [
  'Usage:',
  '  streamshare checkpoints list [--checkpoint-dir DIR | --lease-table NAME] [--stream-arn ARN | --key KEY] [--json]',
  '  streamshare checkpoints set (--stream-arn ARN | --key KEY) --to trim-horizon|latest|TIME|SEQUENCE [--shard ID ...]',
  '                              [--checkpoint-dir DIR | --lease-table NAME [--failover-ms N] [--force]]',
  '                              [--dry-run] [--json]',
  '',
  'list: per stream and shard, the checkpoint (a sequence number with its sub-sequence number, or',
  'TRIM_HORIZON, LATEST, AT_TIMESTAMP, SHARD_END), the lease owner and how long ago it renewed the lease',
  '(for a checkpoint directory: the process holding its lock and when it last refreshed it), and the',
  'lease counter.',
  '',
  'set: replays or skips. Refused while a live worker holds a shard\u2019s lease (the message names it and',
  'the lease\u2019s age) unless --force, which fences that worker out through the lease counter; refused',
  'while a process holds the checkpoint directory (stop it first: a file store cannot be fenced).',
  'A directory\u2019s former files are kept beside it (named in the output); its files are replaced so that',
  'a crash at any point leaves every shard\u2019s old checkpoint or every shard\u2019s new one (run set again).',
  'With --dry-run nothing is written: the table of each shard\u2019s checkpoint before and after is printed.',
  '',
  'Keys: a single-stream poller keeps a stream\u2019s checkpoints under its ARN, a poller of several streams',
  'under ARN:EPOCH (EPOCH: the stream\u2019s creation time). With --stream-arn the key is found: when the',
  'store holds keys ARN:EPOCH of the stream, the one of the stream as it is now (one DescribeStreamSummary,',
  'as --role-arn if given), else the plain ARN when the store holds it; refused (exit 1) when the store',
  'holds both the current ARN:EPOCH and the plain ARN. The key used is printed; --key names one outright',
  '(an earlier stream of the name, deleted and created again, included).',
].join('\n');

function help(): string {
  return [
    USAGE,
    '',
    'Options of list:',
    formatFlags(LIST_FLAGS),
    '',
    'Options of set (string flags also read from STREAMSHARE_<NAME>, --shard aside):',
    formatFlags(SET_FLAGS),
    '',
    FOOTER,
    '',
  ].join('\n');
}

/**
 * The error a tool call ended with (a refusal, a store or DynamoDB failure: a StreamshareError), as
 * exit code 1 and one line on stderr naming the command; a usage error or anything else rethrown.
 */
export function refusal(io: CliIo, command: string, error: unknown): number {
  if (!isInstance(error, StreamshareError) || isInstance(error, UsageError)) throw error;
  io.stderr.write(`streamshare ${command}: ${error.message.replace(/\s*\n\s*/g, ' ')}\n`);
  return EXIT_FAILURE;
}

/** The stream a tool works on, from `--stream-arn` and `--key`, and the role of DescribeStreamSummary. */
export interface KeyRequest {
  readonly streamArn: string;
  /** `--key`: the key named outright. */
  readonly explicit: string | undefined;
  readonly role: ToolRole | undefined;
}

/** `--role-arn` and `--external-id` (pure; UsageError naming the flag). */
export function roleFrom(raw: RawFlags): ToolRole | undefined {
  const roleFlag = raw.values.get('role-arn');
  const externalId = raw.values.get('external-id');
  if (externalId !== undefined && roleFlag === undefined) {
    throw new UsageError(`${externalId.source} needs --role-arn`);
  }
  if (roleFlag === undefined) return undefined;
  return { roleArn: parseRoleArn(roleFlag), ...(externalId === undefined ? {} : { externalId: externalId.value }) };
}

/** The stream and key the flags name (pure; UsageError naming the flag); undefined when neither is given. */
export function keyRequestFrom(raw: RawFlags): KeyRequest | undefined {
  const arnFlag = raw.values.get('stream-arn');
  const keyFlag = raw.values.get('key');
  let streamArn = arnFlag === undefined ? undefined : parseStreamArn(arnFlag);
  let explicit: string | undefined;
  if (keyFlag !== undefined) {
    const parsed = parseKeyFlag(keyFlag.value, streamArn);
    if ('reason' in parsed) throw new UsageError(`${keyFlag.source}: ${parsed.reason}`);
    explicit = parsed.key;
    streamArn = parsed.streamArn;
  }
  const role = roleFrom(raw);
  if (streamArn === undefined) {
    if (role !== undefined) throw new UsageError('--role-arn is for --stream-arn (it reads the stream\u2019s key)');
    return undefined;
  }
  return { streamArn, explicit, role };
}

/** The key the tool works on (see `findStreamKey`). */
function findKey(store: OpenedStore, request: KeyRequest): Promise<StreamKeyChoice> {
  return findStreamKey(store.admin, request.streamArn, {
    explicit: request.explicit,
    currentKey: () => currentStreamKey(request.streamArn, request.role),
  });
}

async function list(argv: readonly string[], io: CliIo): Promise<number> {
  const raw = readFlags(LIST_FLAGS, argv, io.env);
  if (printedHelp(raw, io)) return 0;
  const request = keyRequestFrom(raw);
  const streamArn = request?.streamArn;
  const choice = storeChoiceFrom(raw, io.cwd);
  let rows: ShardRow[];
  let picked: StreamKeyChoice | undefined;
  try {
    const store = await openStore(choice, io.env, streamArn);
    try {
      picked = request === undefined ? undefined : await findKey(store, request);
      rows = await store.admin.rows(picked?.key);
    } finally {
      store.close();
    }
  } catch (error) {
    return refusal(io, 'checkpoints', error);
  }
  if (raw.switches.has('json')) {
    io.stdout.write(`${JSON.stringify(rows.map(rowJson), null, 2)}\n`);
    return 0;
  }
  const keyLines =
    picked === undefined
      ? ''
      : describeChoice(picked)
          .map((line) => `${line}\n`)
          .join('');
  if (rows.length === 0) {
    const where =
      choice.kind === 'file' ? `checkpoint directory ${choice.directory}` : `lease table ${choice.tableName}`;
    io.stdout.write(
      `no checkpoints in ${where}${picked === undefined ? '' : ` for ${picked.streamArn} under key ${picked.key}`}\n${keyLines}`,
    );
    return 0;
  }
  io.stdout.write(`${keyLines}${formatRows(rows)}`);
  return 0;
}

function required(raw: RawFlags, name: string): string {
  const value = raw.values.get(name)?.value;
  const def = SET_FLAGS.find((f) => f.name === name)!;
  if (value === undefined) throw new UsageError(`${flagLabel(def)} is required. Run with --help.`);
  return value;
}

/** The table `checkpoints set` and `import kcl` print of what they wrote (pure). */
export function formatApplied(applied: readonly Applied[]): string {
  return formatTable(
    ['SHARD', 'BEFORE', 'AFTER', 'FENCED WORKER'],
    applied.map((a) => [a.shardId, checkpointText(a.before), checkpointText(a.after), a.fenced ?? '-']),
  );
}

/** A shard of `checkpoints set --json`. */
function appliedJson(a: Applied): Record<string, unknown> {
  return { shardId: a.shardId, before: a.before ?? null, after: a.after, fencedWorker: a.fenced ?? null };
}

async function set(argv: readonly string[], io: CliIo): Promise<number> {
  const raw = readFlags(SET_FLAGS, argv, io.env);
  if (printedHelp(raw, io)) return 0;
  const request = keyRequestFrom(raw);
  if (request === undefined) required(raw, 'stream-arn');
  const { streamArn } = request!;
  const toFlag = raw.values.get('to');
  required(raw, 'to');
  const target = parseSetTarget(toFlag!.value);
  if ('reason' in target) throw new UsageError(`${toFlag!.source}: ${target.reason}`);
  const shards = [...new Set((raw.lists?.get('shard') ?? []).map((v) => v.value.trim()))];
  for (const shard of shards) {
    if (shard === '') throw new UsageError('--shard: an empty shard id');
  }
  if (target.checkpoint.kind === undefined && shards.length !== 1) {
    throw new UsageError(`${toFlag!.source}: a sequence number belongs to one shard: name it with one --shard ID`);
  }
  const choice = storeChoiceFrom(raw, io.cwd);
  const force = raw.switches.has('force');
  const failoverFlag = raw.values.get('failover-ms');
  if (choice.kind === 'file' && (force || failoverFlag !== undefined)) {
    throw new UsageError(
      `${force ? '--force' : failoverFlag!.source} is for --lease-table: the process holding a checkpoint directory cannot be fenced; stop it first`,
    );
  }
  const failoverMs = failoverFlag ? parseInteger(failoverFlag, 1, 3_600_000) : SET_FAILOVER_DEFAULT_MS;
  const dryRun = raw.switches.has('dry-run');

  let applied: Applied[];
  let backups: readonly string[] = [];
  let picked: StreamKeyChoice;
  try {
    const store = await openStore(choice, io.env, streamArn);
    try {
      picked = await findKey(store, request!);
      const { key } = picked;
      const known = await store.admin.rows(key);
      const shardIds = shards.length > 0 ? shards : known.map((r) => r.shardId).sort();
      if (shardIds.length === 0) {
        throw new UsageError(
          `no shard of ${streamArn} has a checkpoint or a lease in this store yet under key ${key}: name the shards with --shard ID${picked.others.length > 0 ? `, or name another key with --key (the store holds ${picked.others.join(', ')})` : ''}`,
        );
      }
      const parents = new Map(known.map((r) => [r.shardId, r.parentShardIds]));
      const writes: CheckpointWrite[] = shardIds.map((shardId) => ({
        shardId,
        checkpoint: target.checkpoint,
        parentShardIds: parents.get(shardId) ?? [],
      }));
      if (dryRun) {
        const plan = planSet(known, writes, { store: store.kind, force, failoverMs });
        if (raw.switches.has('json')) {
          io.stdout.write(
            `${JSON.stringify({ dryRun: true, streamArn, set: plan.rows.map(appliedJson), notes: plan.notes }, null, 2)}\n`,
          );
          return 0;
        }
        io.stdout.write(
          describeChoice(picked)
            .map((line) => `${line}\n`)
            .join(''),
        );
        io.stdout.write(formatApplied(plan.rows));
        for (const note of plan.notes) io.stdout.write(`note: ${note}\n`);
        io.stdout.write(
          `dry run: nothing written; run again without --dry-run to set ${plan.rows.length} shard(s) of ${streamArn} (${plan.changing} would change)\n`,
        );
        return 0;
      }
      if (store.kind === 'file') {
        ({ applied, backups } = await applyToDirectory(store.admin, key, writes));
      } else {
        applied = await applyToLeaseTable(store.admin, key, writes, {
          force,
          failoverMs,
          onWait: (ms) => io.stderr.write(`a shard has a lease owner: watching its lease counter for ${ms} ms\n`),
        });
      }
    } finally {
      store.close();
    }
  } catch (error) {
    return refusal(io, 'checkpoints', error);
  }
  if (raw.switches.has('json')) {
    io.stdout.write(
      `${JSON.stringify({ streamArn, key: picked.key, set: applied.map(appliedJson), backups }, null, 2)}\n`,
    );
    return 0;
  }
  io.stdout.write(
    describeChoice(picked)
      .map((line) => `${line}\n`)
      .join(''),
  );
  io.stdout.write(formatApplied(applied));
  for (const backup of backups) io.stdout.write(`former file kept as ${backup}\n`);
  io.stdout.write(`set ${applied.length} shard(s) of ${streamArn} under key ${picked.key}\n`);
  return 0;
}

async function checkpoints(argv: readonly string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'list') return list(rest, io);
  if (sub === 'set') return set(rest, io);
  if (sub === undefined) {
    io.stderr.write(help());
    return EXIT_USAGE;
  }
  if (sub === '--help' || sub === '-h') {
    io.stdout.write(help());
    return 0;
  }
  throw new UsageError(`unknown subcommand ${JSON.stringify(sub)}: use list or set. Run with --help.`);
}

/** `streamshare checkpoints`: list the checkpoints and leases of a store, or set them (replay, skip). */
export const checkpointsCommand: Command = {
  name: 'checkpoints',
  summary: 'List the checkpoints and lease owners of a store, or set them (replay or skip)',
  help,
  run: checkpoints,
};

/** Prints the help when `--help` was given. */
function printedHelp(raw: { readonly switches: ReadonlySet<string> }, io: CliIo): boolean {
  if (!raw.switches.has('help')) return false;
  io.stdout.write(help());
  return true;
}
