import { parseStreamArn as parseStreamArnParts } from '@streamshare/core/internal';
import { type Applied, applyToDirectory, applyToLeaseTable } from '../../admin/apply.js';
import { currentStreamKey } from '../../admin/current-key.js';
import { CheckpointAdminError } from '../../admin/errors.js';
import { observeLiveness } from '../../admin/liveness.js';
import { checkpointText, formatTable } from '../../admin/shard-row.js';
import { parseStreamKey, streamKey } from '../../coordination/stream-key.js';
import { type KclItem, type KclLease, kclCheckpointText, readKclItem } from '../../kcl/kcl-lease.js';
import {
  type ImportedStream,
  type ImportPlan,
  leasesNamingStream,
  needsCreationEpoch,
  planImport,
} from '../../kcl/kcl-plan.js';
import { scanKclTable } from '../../kcl/kcl-table.js';
import { type FlagDefinition, flagLabel, formatFlags, readFlags } from '../flags.js';
import {
  dynamoRegion,
  openStore,
  ownDynamoClient,
  parseTableName,
  STORE_FLAGS,
  storeChoiceFrom,
} from '../store-flags.js';
import { EXIT_FAILURE, EXIT_USAGE, UsageError } from '../usage-error.js';
import { parseChoice, parseInteger, parseIsoTime, parseStreamArn } from '../values.js';
import { formatApplied, KEY_FLAGS, refusal, roleFrom } from './checkpoints.js';
import type { CliIo, Command } from './command.js';

/** The values of `--key-format`. */
const KEY_FORMATS = ['plain', 'qualified'] as const;

/** The KCL's default failover time (failoverTimeMillis): a lease not renewed for this long is taken over. */
export const KCL_FAILOVER_DEFAULT_MS = 10_000;

/** The flags of `streamshare import kcl`. */
export const IMPORT_KCL_FLAGS: readonly FlagDefinition[] = [
  {
    name: 'table',
    type: 'string',
    value: 'NAME',
    required: true,
    description: "The KCL application's lease table (by default its application name). Only read, never written.",
  },
  {
    name: 'stream-arn',
    type: 'string',
    value: 'ARN',
    required: true,
    description: 'The stream whose leases to import (its account and name pick its leases in a multi-stream table).',
  },
  ...STORE_FLAGS,
  {
    name: 'at-timestamp',
    type: 'string',
    value: 'TIME',
    description:
      "The time of the KCL application's AT_TIMESTAMP initial position (ISO-8601, e.g. 2024-02-28T06:15:00Z): its AT_TIMESTAMP leases are imported as AT_TIMESTAMP at that time. Without it they are not imported (the table does not hold the time).",
  },
  {
    name: 'apply',
    type: 'boolean',
    description: 'Write the checkpoints. Without it: a dry run, printing what would change.',
  },
  {
    name: 'failover-ms',
    type: 'string',
    value: 'N',
    defaultText: String(KCL_FAILOVER_DEFAULT_MS),
    description:
      "The KCL application's failoverTimeMillis: a KCL lease is live when its leaseCounter moves within this time. When a lease has an owner, the import reads the table twice this far apart.",
  },
  {
    name: 'key-format',
    type: 'string',
    value: 'plain|qualified',
    defaultText: 'plain',
    description:
      "The key the checkpoints are written under: plain, the stream ARN (a single-stream poller's, streamshare poll --stream-arn ARN); qualified, ARN:EPOCH of the stream as it is now (a poller of several streams', createPoller({ streams }), poll --config).",
  },
  {
    name: 'creation-epoch',
    type: 'string',
    value: 'N',
    description:
      "The stream's creation time, epoch seconds, instead of asking DescribeStreamSummary (asked only for a multi-stream KCL table or --key-format qualified).",
  },
  {
    name: 'role-arn',
    type: 'string',
    value: 'ARN',
    description:
      'Assume this role (as the poller does) for the one DescribeStreamSummary that tells the creation time of the stream as it is now. Default: this environment\u2019s identity.',
  },
  KEY_FLAGS.find((f) => f.name === 'external-id')!,
  { name: 'json', type: 'boolean', description: 'Print the plan (and what was written) as JSON.' },
  { name: 'help', type: 'boolean', description: 'Show this help.' },
];

function help(): string {
  return [
    'Usage: streamshare import kcl --table NAME --stream-arn ARN [--checkpoint-dir DIR | --lease-table NAME]',
    '                              [--key-format plain|qualified] [--creation-epoch N | --role-arn ARN]',
    '                              [--apply] [--failover-ms N] [--json]',
    '',
    'Moves a stream off the Kinesis Client Library (KCL 2.x or 3.x, Java or its MultiLangDaemon): reads the',
    "KCL's lease table (single-stream keys shardId-..., multi-stream keys account:stream:creationEpoch:shardId)",
    'and writes the equivalent checkpoints to the store streamshare poll will use (the same flags as poll).',
    '',
    '  - TRIM_HORIZON, LATEST and SHARD_END are kept as they are; a sequence number becomes a position at',
    '    that record, its checkpointSubSequenceNumber (the user record of a KPL aggregate) kept: reading',
    '    resumes at the record, skipping the user records done (a plain record there is delivered once more);',
    '  - AT_TIMESTAMP is not imported (the KCL keeps its time in its configuration): start poll with --from TIME;',
    '  - a pending checkpoint (prepared, not committed) is ignored; parentShardId is kept in the lease table;',
    "  - items that are not leases (KCL 3.x entityType items) and other streams' leases are skipped, and listed;",
    '  - multi-stream leases: only those whose creationEpoch is the creation time of the stream as it is now',
    '    (DescribeStreamSummary, as --role-arn if given, or --creation-epoch) are imported; the others are of a',
    '    stream of the same name deleted and created again: skipped. None of that epoch: nothing is imported.',
    '',
    'The checkpoints are written under the stream ARN (--key-format plain: a single-stream poller), or under',
    'ARN:EPOCH (--key-format qualified: a poller of several streams).',
    '',
    'The KCL table is never written. Without --apply nothing is written: a table of what would change is',
    'printed. The import is refused while KCL workers hold live leases of the stream: a lease is live when',
    'its leaseCounter moves within --failover-ms, as the KCL itself judges (a stopped KCL application leaves',
    'its leases owned but still). Running streamshare beside live KCL workers is not supported: stop the KCL',
    'application, import, then start streamshare poll.',
    '',
    'Options (string flags also read from STREAMSHARE_<NAME>):',
    formatFlags(IMPORT_KCL_FLAGS),
    '',
    'Exit codes: 0 done (or dry run printed); 1 KCL workers hold live leases, a streamshare worker or process',
    "holds the store, a DynamoDB call failed, or the stream's creation time could not be read (give",
    '--creation-epoch); 2 bad flag.',
    '',
  ].join('\n');
}

function requiredValue(raw: ReturnType<typeof readFlags>, name: string) {
  const value = raw.values.get(name);
  if (value === undefined) {
    throw new UsageError(`${flagLabel(IMPORT_KCL_FLAGS.find((f) => f.name === name)!)} is required. Run with --help.`);
  }
  return value;
}

function planJson(plan: ImportPlan): Record<string, unknown> {
  return {
    shards: plan.rows.map((r) => ({
      shardId: r.shardId,
      leaseKey: r.lease.leaseKey,
      kclCheckpoint: r.lease.checkpoint ?? null,
      kclSubSequenceNumber: r.lease.subSequenceNumber ?? null,
      kclOwner: r.lease.owner ?? null,
      parentShardIds: r.lease.parentShardIds,
      current: r.current ?? null,
      next: r.next ?? null,
      action: r.action,
      reason: r.reason ?? null,
      notes: r.notes,
    })),
    skipped: plan.skipped,
    notice: plan.notice ?? null,
  };
}

/** The dry run's table, the skipped items, and the key written under when given (pure). */
export function formatPlan(plan: ImportPlan, key?: string): string {
  const table = formatTable(
    ['SHARD', 'KCL LEASE KEY', 'KCL CHECKPOINT', 'KCL OWNER', 'NOW', 'AFTER', 'ACTION'],
    plan.rows.map((r) => [
      r.shardId,
      r.lease.leaseKey,
      kclCheckpointText(r.lease),
      r.lease.owner ?? '-',
      checkpointText(r.current),
      r.next === undefined ? '-' : checkpointText(r.next),
      r.action === 'skip' ? `skip: ${r.reason}` : r.action,
    ]),
  );
  const notes = plan.rows.flatMap((r) => r.notes.map((n) => `  ${r.shardId}: ${n}`));
  const skipped = plan.skipped.map((s) => `  ${s.key}: ${s.reason}`);
  return [
    table.trimEnd(),
    ...(notes.length > 0 ? ['notes:', ...notes] : []),
    ...(skipped.length > 0 ? [`skipped ${skipped.length} item(s) of the KCL table:`, ...skipped] : []),
    ...(plan.notice === undefined ? [] : [plan.notice]),
    ...(key === undefined ? [] : [`streamshare key: ${key}`]),
    '',
  ].join('\n');
}

/** `a shard by worker W (counter 4 → 6)`. */
function describeLive(lease: KclLease & { key: string }, before: number | undefined): string {
  return `${lease.shardId} by KCL worker ${JSON.stringify(lease.owner)} (leaseCounter ${before ?? 'none'} → ${lease.counter})`;
}

async function importKcl(argv: readonly string[], io: CliIo): Promise<number> {
  const [what, ...rest] = argv;
  if (what === '--help' || what === '-h') {
    io.stdout.write(help());
    return 0;
  }
  if (what !== 'kcl') {
    if (what === undefined) {
      io.stderr.write(help());
      return EXIT_USAGE;
    }
    throw new UsageError(`cannot import ${JSON.stringify(what)}: only kcl. Run streamshare import --help.`);
  }
  const raw = readFlags(IMPORT_KCL_FLAGS, rest, io.env);
  if (raw.switches.has('help')) {
    io.stdout.write(help());
    return 0;
  }
  const kclTable = parseTableName(requiredValue(raw, 'table'));
  const streamArn = parseStreamArn(requiredValue(raw, 'stream-arn'));
  const parts = parseStreamArnParts(streamArn);
  const stream: ImportedStream = { account: parts.account, streamName: parts.streamName };
  const atFlag = raw.values.get('at-timestamp');
  let atTimestampMs: number | undefined;
  if (atFlag !== undefined) {
    const parsed = parseIsoTime(atFlag.value.trim());
    if ('reason' in parsed) {
      throw new UsageError(
        `${atFlag.source}: ${JSON.stringify(atFlag.value)} is not an ISO-8601 time (${parsed.reason}); e.g. 2024-02-28T06:15:00Z`,
      );
    }
    atTimestampMs = parsed.time.getTime();
  }
  const failover = raw.values.get('failover-ms');
  const failoverMs = failover ? parseInteger(failover, 1, 3_600_000) : KCL_FAILOVER_DEFAULT_MS;
  const choice = storeChoiceFrom(raw, io.cwd);
  if (choice.kind === 'lease-table' && choice.tableName === kclTable) {
    throw new UsageError('--lease-table and --table name the same table: the KCL table is never written');
  }
  const apply = raw.switches.has('apply');
  const json = raw.switches.has('json');
  const formatFlag = raw.values.get('key-format');
  const qualified = formatFlag === undefined ? false : parseChoice(formatFlag, KEY_FORMATS) === 'qualified';
  const epochFlag = raw.values.get('creation-epoch');
  const givenEpoch = epochFlag === undefined ? undefined : parseInteger(epochFlag, 0, 99_999_999_999);
  const role = roleFrom(raw);
  if (role !== undefined && givenEpoch !== undefined) {
    throw new UsageError(
      '--role-arn and --creation-epoch exclude each other: --creation-epoch is used without asking Kinesis',
    );
  }

  const client = await ownDynamoClient(dynamoRegion(io.env, streamArn));
  try {
    const store = await openStore(choice, io.env, streamArn);
    try {
      const leasesNow = async () => {
        const items = (await scanKclTable(client, kclTable)).map(readKclItem);
        return { items, leases: leasesNamingStream(items, stream).map((l) => ({ ...l, key: l.leaseKey })) };
      };
      let items: KclItem[] = [];
      const liveness = await observeLiveness(
        async () => {
          const read = await leasesNow();
          items = read.items;
          return read.leases;
        },
        failoverMs,
        async (ms) => {
          io.stderr.write(`KCL leases of the stream have owners: watching their leaseCounter for ${ms} ms\n`);
          await new Promise((resolve) => setTimeout(resolve, ms));
        },
      );
      const creationEpoch =
        givenEpoch ??
        (qualified || needsCreationEpoch(items, stream)
          ? parseStreamKey(await currentStreamKey(streamArn, role, 'give its creation time with --creation-epoch N'))!
              .epochSeconds
          : undefined);
      const key = qualified ? streamKey(streamArn, new Date(creationEpoch! * 1000)) : streamArn;
      const current = new Map(
        (await store.admin.rows(key)).flatMap((r) =>
          r.checkpoint === undefined ? [] : [[r.shardId, r.checkpoint] as const],
        ),
      );
      const plan = planImport(items, { ...stream, creationEpoch }, current, atTimestampMs);
      const live =
        liveness.live.length === 0
          ? undefined
          : new CheckpointAdminError(
              'KCL_LEASES_LIVE',
              `refused: KCL workers hold live leases of ${streamArn} in ${kclTable} (their leaseCounter moved within ${failoverMs} ms): ${liveness.live.map((l) => describeLive(l, liveness.before.get(l.key))).join('; ')}. Running beside live KCL workers is not supported: stop the KCL application, then import`,
            );
      const writes = plan.rows.flatMap((r) =>
        r.action === 'write' && r.next !== undefined
          ? [{ shardId: r.shardId, checkpoint: r.next, parentShardIds: r.lease.parentShardIds }]
          : [],
      );
      if (!apply || live !== undefined) {
        io.stdout.write(
          json ? `${JSON.stringify({ dryRun: true, key, ...planJson(plan) }, null, 2)}\n` : formatPlan(plan, key),
        );
        if (live !== undefined) {
          io.stderr.write(`streamshare import kcl: ${live.message}\n`);
          return EXIT_FAILURE;
        }
        if (!json) {
          io.stdout.write(
            `dry run: nothing written; run again with --apply to write ${writes.length} checkpoint(s) of ${streamArn} under key ${key}\n`,
          );
        }
        return 0;
      }
      let applied: Applied[] = [];
      let backups: readonly string[] = [];
      if (writes.length > 0) {
        if (store.kind === 'file') ({ applied, backups } = await applyToDirectory(store.admin, key, writes));
        else {
          applied = await applyToLeaseTable(store.admin, key, writes, {
            force: false,
            failoverMs: 15_000,
            onWait: (ms) =>
              io.stderr.write(`streamshare leases of the stream have owners: watching their counter for ${ms} ms\n`),
          });
        }
      }
      if (json) {
        io.stdout.write(
          `${JSON.stringify({ dryRun: false, key, ...planJson(plan), written: applied.map((a) => ({ shardId: a.shardId, before: a.before ?? null, after: a.after })), backups }, null, 2)}\n`,
        );
        return 0;
      }
      io.stdout.write(formatPlan(plan, key));
      if (applied.length > 0) io.stdout.write(formatApplied(applied));
      for (const backup of backups) io.stdout.write(`former file kept as ${backup}\n`);
      io.stdout.write(`wrote ${applied.length} checkpoint(s) of ${streamArn} under key ${key}\n`);
      return 0;
    } finally {
      store.close();
    }
  } catch (error) {
    return refusal(io, 'import kcl', error);
  } finally {
    client.destroy();
  }
}

/** `streamshare import kcl`: moves a stream's checkpoints off a KCL lease table. */
export const importCommand: Command = {
  name: 'import',
  summary: "Import a KCL application's checkpoints (import kcl): a way off the KCL",
  help,
  run: importKcl,
};
