import { readFileSync } from 'node:fs';

/** One line the fixture handler appended. */
export interface Delivered {
  readonly pid: number;
  readonly via: string;
  readonly shardId: string;
  readonly seq: string;
  readonly data: unknown;
}

/**
 * The complete lines of the handler's output file. A last line without its newline is a write in
 * progress, seen by a read while the handler appends (Linux does not make a read atomic against a
 * write to a regular file): it is left for the next read. A torn line anywhere else (one write
 * syscall per line, fsync'd, cannot be cut by SIGKILL) fails JSON.parse: an error.
 */
export function readDelivered(file: string): Delivered[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const complete = text.slice(0, text.lastIndexOf('\n') + 1);
  return complete
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Delivered);
}

/** Sequence numbers put into each shard, in shard order. */
export function expectedByShard(
  results: readonly { shardId: string; sequenceNumber: string }[],
): Map<string, string[]> {
  const byShard = new Map<string, string[]>();
  for (const r of results) byShard.set(r.shardId, [...(byShard.get(r.shardId) ?? []), r.sequenceNumber]);
  for (const seqs of byShard.values())
    seqs.sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0));
  return byShard;
}

/**
 * Checks at-least-once, in-order delivery across restarts: per shard, within one process the
 * records come in sequence order without a gap; a restarted process resumes no later than the
 * record after the last one delivered (nothing skipped) and at most `maxRedelivered` records
 * earlier (only the batch that was in hand is delivered again). Returns the problems found and
 * the number of duplicates.
 */
export function checkDelivery(
  delivered: readonly Delivered[],
  expected: ReadonlyMap<string, readonly string[]>,
  maxRedelivered: number,
): { problems: string[]; duplicates: number; complete: boolean } {
  const problems: string[] = [];
  const position = new Map<string, Map<string, number>>();
  for (const [shard, seqs] of expected) position.set(shard, new Map(seqs.map((s, i) => [s, i])));
  const last = new Map<string, { pid: number; pos: number }>();
  const seen = new Map<string, Set<string>>();
  let duplicates = 0;
  for (const line of delivered) {
    const pos = position.get(line.shardId)?.get(line.seq);
    if (pos === undefined) {
      problems.push(`unexpected record ${line.seq} of ${line.shardId}`);
      continue;
    }
    const shardSeen = seen.get(line.shardId) ?? new Set<string>();
    seen.set(line.shardId, shardSeen);
    if (shardSeen.has(line.seq)) duplicates++;
    shardSeen.add(line.seq);
    const prev = last.get(line.shardId);
    if (prev === undefined) {
      if (pos !== 0) problems.push(`${line.shardId} started at position ${pos}, not 0`);
    } else if (prev.pid === line.pid) {
      if (pos !== prev.pos + 1) problems.push(`${line.shardId}: pid ${line.pid} went from ${prev.pos} to ${pos}`);
    } else {
      if (pos > prev.pos + 1) problems.push(`${line.shardId}: restart skipped from ${prev.pos} to ${pos}`);
      if (prev.pos + 1 - pos > maxRedelivered) {
        problems.push(`${line.shardId}: restart went back ${prev.pos + 1 - pos} records (> ${maxRedelivered})`);
      }
    }
    last.set(line.shardId, { pid: line.pid, pos });
  }
  let complete = true;
  for (const [shard, seqs] of expected) if ((seen.get(shard)?.size ?? 0) !== seqs.length) complete = false;
  return { problems, duplicates, complete };
}

/**
 * For several workers at once (leases): every record delivered, nothing unexpected, and each
 * worker process saw each shard's records in sequence order. (During a lease handover the old
 * owner may still finish its batch in hand while the new owner starts, so lines of two workers
 * can interleave in the file.)
 */
export function checkPerWorker(
  delivered: readonly Delivered[],
  expected: ReadonlyMap<string, readonly string[]>,
): { problems: string[]; complete: boolean; workersPerShard: Record<string, number> } {
  const problems: string[] = [];
  const position = new Map<string, Map<string, number>>();
  for (const [shard, seqs] of expected) position.set(shard, new Map(seqs.map((s, i) => [s, i])));
  const last = new Map<string, number>();
  const seen = new Map<string, Set<string>>();
  const workers = new Map<string, Set<number>>();
  for (const line of delivered) {
    const pos = position.get(line.shardId)?.get(line.seq);
    if (pos === undefined) {
      problems.push(`unexpected record ${line.seq} of ${line.shardId}`);
      continue;
    }
    const key = `${line.pid}/${line.shardId}`;
    const prev = last.get(key);
    if (prev !== undefined && pos <= prev)
      problems.push(`pid ${line.pid} went back on ${line.shardId}: ${prev} then ${pos}`);
    last.set(key, pos);
    seen.set(line.shardId, (seen.get(line.shardId) ?? new Set()).add(line.seq));
    workers.set(line.shardId, (workers.get(line.shardId) ?? new Set()).add(line.pid));
  }
  let complete = true;
  for (const [shard, seqs] of expected) if ((seen.get(shard)?.size ?? 0) !== seqs.length) complete = false;
  return {
    problems,
    complete,
    workersPerShard: Object.fromEntries([...workers].map(([shard, pids]) => [shard, pids.size])),
  };
}
