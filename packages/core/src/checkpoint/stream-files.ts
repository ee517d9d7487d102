import { lstatSync } from 'node:fs';
import { compareCheckpoints } from './compare.js';
import { readText } from './fs-io.js';
import { Journal, type JournalShards, journalLine, journalPath, parseJournal } from './journal.js';
import { type FileIdentity, identityOf, type KnownFiles, unchanged } from './other-writers.js';
import { parseSnapshot, writeSnapshot } from './snapshot.js';
import type { StoredCheckpoint } from './stored-checkpoint.js';

/**
 * The journal found on disk at a store's first write: none; intact (appended to as it is); or to be
 * replaced at the next write (a torn last line, or no snapshot beside it).
 */
export type JournalOnDisk = 'none' | 'intact' | 'rewrite';

/** What a read of a stream's files found. */
export interface OnDisk {
  readonly shards: Map<string, StoredCheckpoint>;
  readonly journal: JournalOnDisk;
}

/**
 * What is on disk for a stream: the journal's entries over the snapshot, newest checkpoint per
 * shard. The journal is read first: a rewrite that lands between the two reads only makes the
 * snapshot newer.
 */
export async function readStreamFiles(path: string, streamArn: string): Promise<OnDisk> {
  const journal = journalPath(path);
  const text = await readText(journal);
  const { entries, torn } = parseJournal(journal, streamArn, text);
  const snapshot = parseSnapshot(path, streamArn, await readText(path));
  const shards = new Map<string, StoredCheckpoint>(Object.entries(snapshot?.shards ?? {}));
  for (const entry of entries) mergeNewer(shards, Object.entries(entry));
  // A fresh stream starts with a snapshot, so that its JSON file exists from the first write.
  const state = text === undefined ? 'none' : torn || snapshot === undefined ? 'rewrite' : 'intact';
  return { shards, journal: state };
}

/** Sets each checkpoint that is newer than the one `shards` has (or the first of its shard). */
function mergeNewer(shards: Map<string, StoredCheckpoint>, from: Iterable<[string, StoredCheckpoint]>): void {
  for (const [shard, c] of from) {
    const known = shards.get(shard);
    if (known === undefined || compareCheckpoints(c, known) > 0) shards.set(shard, c);
  }
}

/**
 * A stream's two files as this store (the only writer of the directory) knows them: every shard's
 * durable checkpoint (the snapshot and the journal merged), the journal open for appending, and
 * what the files were when last written, to notice another writer.
 */
export class StreamFiles implements KnownFiles {
  readonly path: string;
  readonly journalPath: string;
  readonly streamArn: string;
  /** Every shard's durable checkpoint. */
  readonly shards: Map<string, StoredCheckpoint>;
  /** The journal on disk when none is open: whether a rewrite must replace it. */
  journalOnDisk: JournalOnDisk;
  #journal: Journal | undefined;
  /** The open journal's device and inode (its size is the journal's `bytes`). */
  journalFile: { readonly dev: number; readonly ino: number } | undefined;
  /** The snapshot as this store last wrote (or found) it. */
  snapshotFile: FileIdentity | undefined;

  private constructor(path: string, streamArn: string, disk: OnDisk, journalOnDisk: JournalOnDisk) {
    this.path = path;
    this.journalPath = journalPath(path);
    this.streamArn = streamArn;
    this.shards = disk.shards;
    this.journalOnDisk = journalOnDisk;
  }

  /**
   * What this store knows of a stream's files from now on: what is on disk, at its first write or
   * once someone else changed the files (`previous`: what it knew before). In the second case every
   * checkpoint it acknowledged that the disk no longer has is kept, and the files are to be rewritten.
   */
  static async adopt(path: string, streamArn: string, previous: StreamFiles | undefined): Promise<StreamFiles> {
    const disk = await readStreamFiles(path, streamArn);
    const files = new StreamFiles(path, streamArn, disk, previous === undefined ? disk.journal : 'rewrite');
    if (previous !== undefined) {
      mergeNewer(files.shards, previous.shards);
      await previous.close();
    }
    return files;
  }

  /** The journal, open for appending; undefined until the first write, and after a failed append. */
  get journal(): Journal | undefined {
    const journal = this.#journal;
    return journal === undefined || journal.closed ? undefined : journal;
  }

  /** Opens an intact journal found on disk for appending (once: after a failure, the files are rewritten). */
  async reopen(): Promise<void> {
    this.journalOnDisk = 'rewrite';
    const journal = await Journal.open(this.journalPath);
    let snapshot: FileIdentity;
    try {
      // Synchronous, as the check at each append (see unchanged): cheaper than a thread-pool round trip.
      snapshot = identityOf(lstatSync(this.path));
    } catch (error) {
      await journal.close();
      throw error;
    }
    this.#opened(journal, snapshot);
  }

  /**
   * Appends the line of `entry` to the open journal. Resolves to false when someone else changed,
   * replaced or removed the files (checked once the line is in, see {@link unchanged}): the line is
   * then not to be acknowledged (it went to a journal no longer read alone, or that is gone).
   */
  async append(entry: JournalShards): Promise<boolean> {
    const journal = this.#journal!;
    const line = journalLine(this.streamArn, entry);
    const size = journal.bytes + line.byteLength;
    await journal.append(line);
    return unchanged(this.path, this.journalPath, this, size);
  }

  /**
   * Rewrites the snapshot with every checkpoint (the stored ones and `entry`), then replaces the
   * journal by an empty one. The snapshot is durable before the journal is replaced, so a crash in
   * between leaves the new snapshot beside the old journal, whose entries are older: nothing lost.
   */
  async rewrite(entry: JournalShards, syncDirectory: () => Promise<void>): Promise<void> {
    const shards = { ...Object.fromEntries(this.shards), ...entry };
    const replacing = this.journalOnDisk !== 'none';
    // Should this fail half-way, the next attempt replaces whatever journal there is.
    this.journalOnDisk = 'rewrite';
    // With no journal yet, one directory fsync (the journal's creation) serves the snapshot too.
    const snapshot = await writeSnapshot(this.path, this.streamArn, shards, replacing ? syncDirectory : undefined);
    const journal = await Journal.create(this.journalPath, replacing, syncDirectory);
    const old = this.#journal;
    this.#opened(journal, snapshot);
    if (old !== undefined) await old.close();
  }

  /** Records the checkpoints of a write that is durable. */
  written(entry: JournalShards): void {
    for (const [shardId, c] of Object.entries(entry)) this.shards.set(shardId, c);
  }

  /** Closes the journal (the store closes, or someone else changed the files). */
  close(): Promise<void> {
    const journal = this.#journal;
    this.#journal = undefined;
    return journal === undefined ? Promise.resolve() : journal.close();
  }

  #opened(journal: Journal, snapshot: FileIdentity): void {
    this.#journal = journal;
    this.journalFile = { dev: journal.dev, ino: journal.ino };
    this.snapshotFile = snapshot;
  }
}
