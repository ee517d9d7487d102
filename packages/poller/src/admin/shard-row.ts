import type { Checkpoint } from '@streamshare/core';
import { describeCheckpoint } from '@streamshare/core/internal';
import { parseStreamKey } from '../coordination/stream-key.js';

/** One shard as `streamshare checkpoints list` shows it: its checkpoint, and who holds it. */
export interface ShardRow {
  readonly streamArn: string;
  readonly shardId: string;
  /** Undefined: none written yet (the poller's --from applies). */
  readonly checkpoint: Checkpoint | undefined;
  /** The lease owner (lease table) or the process holding the directory (file store); undefined when free. */
  readonly owner: string | undefined;
  /** Milliseconds since the holder last renewed the lease (or refreshed the directory's lock), when known. */
  readonly ageMs: number | undefined;
  /** The lease counter (lease table only). */
  readonly counter: number | undefined;
  /** The lease is finished: the shard was read to its end (lease table only). */
  readonly finished: boolean;
  readonly parentShardIds: readonly string[];
}

/** A checkpoint as one word or number for people (`-` for none). */
export function checkpointText(checkpoint: Checkpoint | undefined): string {
  return checkpoint === undefined ? '-' : describeCheckpoint(checkpoint);
}

/** A duration as `12s`, `3m04s`, `2h05m`, `4d03h` (`-` when unknown). */
export function ageText(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '-';
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d${String(h % 24).padStart(2, '0')}h`;
}

/** Left-aligned columns separated by two spaces, the header first (pure). */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

/** The human table of `checkpoints list`, by stream then shard (pure). */
export function formatRows(rows: readonly ShardRow[]): string {
  const sorted = [...rows].sort((a, b) =>
    a.streamArn === b.streamArn ? a.shardId.localeCompare(b.shardId) : a.streamArn.localeCompare(b.streamArn),
  );
  return formatTable(
    ['STREAM', 'SHARD', 'CHECKPOINT', 'OWNER', 'LEASE AGE', 'COUNTER'],
    sorted.map((r) => [
      r.streamArn,
      r.shardId,
      checkpointText(r.checkpoint),
      r.owner ?? '-',
      r.owner === undefined ? '-' : ageText(r.ageMs),
      r.counter === undefined ? '-' : String(r.counter),
    ]),
  );
}

/**
 * A row as `checkpoints list --json` prints it (one JSON object per shard, in an array): `key` is the
 * store's key of the stream (its ARN, or `ARN:EPOCH` of a poller of several streams), `streamArn` the
 * stream's ARN.
 */
export function rowJson(row: ShardRow): Record<string, unknown> {
  return {
    streamArn: parseStreamKey(row.streamArn)?.streamArn ?? row.streamArn,
    key: row.streamArn,
    shardId: row.shardId,
    checkpoint: row.checkpoint ?? null,
    checkpointText: checkpointText(row.checkpoint),
    owner: row.owner ?? null,
    leaseAgeMs: row.ageMs ?? null,
    leaseCounter: row.counter ?? null,
    finished: row.finished,
    parentShardIds: row.parentShardIds,
  };
}
