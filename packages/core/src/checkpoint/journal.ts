import { constants } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { describeThrown } from '../errors/thrown.js';
import { closeQuietly, corrupt, fdatasyncFd, O_DSYNC, openFd, statOpen, tempOf, writeFd } from './fs-io.js';
import { failedOnSymlink, O_NOFOLLOW, symlinkRefused } from './no-follow.js';
import { isStoredCheckpoint, type StoredCheckpoint } from './stored-checkpoint.js';

/**
 * A stream's journal: the file next to its snapshot (`<name>.journal` beside `<name>.json`) that
 * each write appends one line to, `<crc32 of the JSON, 8 hex digits> <JSON>\n`, the JSON being
 * `{ streamArn, shards: { <shardId>: checkpoint } }`: the shards written by one group commit.
 *
 * A journal is opened O_DSYNC where the platform has it (Linux, macOS): one `write` then returns
 * only once the appended bytes, and the file size that makes them readable, are on stable storage,
 * with no separate fdatasync (one thread-pool round trip per group commit). Elsewhere (Windows) each
 * append is followed by an fdatasync.
 */

/** The checkpoints of one journal line, by shard id (no prototype: `__proto__` is a shard like any). */
export type JournalShards = Record<string, StoredCheckpoint>;

/** Opens a new journal (never an existing file, nor a link's target) for appending. */
export const NEW_JOURNAL_FLAGS =
  constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_APPEND | O_DSYNC | O_NOFOLLOW;

/** The journal next to a stream's JSON file: `<name>.journal` instead of `<name>.json`. */
export function journalPath(snapshotPath: string): string {
  return `${snapshotPath.replace(/\.json$/, '')}.journal`;
}

/** One journal line: `<crc32 of the JSON, 8 hex digits> <JSON>\n`. */
export function journalLine(streamArn: string, shards: JournalShards): Buffer {
  // JSON.stringify escapes lone surrogates: the string's UTF-8 (what crc32 of a string reads) is its bytes.
  const json = JSON.stringify({ streamArn, shards });
  return Buffer.from(`${crc32(json).toString(16).padStart(8, '0')} ${json}\n`);
}

const LINE = /^([0-9a-f]{8}) (.*)$/s;

/**
 * The entries of a journal, in order. Only the last line may be cut short or fail its CRC (a write
 * interrupted by a crash or power loss, never acknowledged): it is ignored, and `torn` says so. Any
 * other bad line, or a well-formed line that is not an entry of this stream, is CHECKPOINT_CORRUPT.
 * A last line without its newline (even when intact) is torn too: no line may be appended to it.
 */
export function parseJournal(
  path: string,
  streamArn: string,
  text: string | undefined,
): { entries: JournalShards[]; torn: boolean } {
  if (text === undefined || text === '') return { entries: [], torn: false };
  const lines = text.split('\n');
  // A complete journal ends with '\n': the last piece is then empty; otherwise it is a cut-short line.
  const last = lines.length - 1;
  const entries: JournalShards[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (i === last && line === '') break;
    const match = LINE.exec(line);
    const intact = match !== null && crc32(Buffer.from(match[2]!)) === Number.parseInt(match[1]!, 16);
    if (!intact) {
      // The torn tail of an interrupted write.
      if (i === last || (i === last - 1 && lines[last] === '')) return { entries, torn: true };
      throw corrupt(path, `line ${i + 1} of the journal is damaged (bad checksum), and lines follow it`);
    }
    entries.push(parseEntry(path, streamArn, i + 1, match[2]!));
  }
  return { entries, torn: !text.endsWith('\n') };
}

function parseEntry(path: string, streamArn: string, n: number, json: string): JournalShards {
  let entry: unknown;
  try {
    entry = JSON.parse(json);
  } catch (error) {
    throw corrupt(path, `line ${n} of the journal is not JSON (${describeThrown(error)})`, error);
  }
  const e = entry as { streamArn?: unknown; shards?: unknown } | null;
  if (typeof e !== 'object' || e === null || typeof e.shards !== 'object' || e.shards === null) {
    throw corrupt(path, `line ${n} of the journal is not { streamArn, shards: { <shardId>: checkpoint } }`);
  }
  if (e.streamArn !== streamArn) {
    throw corrupt(
      path,
      `line ${n} of the journal is of stream ${JSON.stringify(e.streamArn)}, expected ${JSON.stringify(streamArn)}`,
    );
  }
  const shards = e.shards as Record<string, unknown>;
  for (const [shard, c] of Object.entries(shards)) {
    if (!isStoredCheckpoint(c)) {
      throw corrupt(path, `line ${n} of the journal has a malformed checkpoint of ${shard}: ${JSON.stringify(c)}`);
    }
  }
  return shards as JournalShards;
}

/**
 * A stream's journal, open for appending: its file descriptor, its size (the bytes this store
 * appended to what it found) and its device and inode (to tell whether someone replaced it).
 */
export class Journal {
  /** Bytes in the journal. */
  bytes: number;
  readonly dev: number;
  readonly ino: number;
  readonly #fd: number;
  /** True once closed (by {@link close}, or by a failed append: the files are then rewritten). */
  closed = false;

  private constructor(fd: number, stats: { size: number; dev: number; ino: number }) {
    this.#fd = fd;
    this.bytes = stats.size;
    this.dev = stats.dev;
    this.ino = stats.ino;
  }

  /** Opens an intact journal found on disk for appending. A symbolic link is CHECKPOINT_CORRUPT. */
  static async open(path: string): Promise<Journal> {
    let fd: number;
    try {
      fd = await openFd(path, constants.O_WRONLY | constants.O_APPEND | O_DSYNC | O_NOFOLLOW);
    } catch (error) {
      if (await failedOnSymlink(path, error)) throw symlinkRefused(path, error);
      throw error;
    }
    try {
      return new Journal(fd, statOpen(fd));
    } catch (error) {
      await closeQuietly(fd);
      throw error;
    }
  }

  /**
   * Creates an empty journal at `path`: in place when there is none, else aside and renamed over the
   * old one; then `syncDirectory` makes the creation durable.
   */
  static async create(path: string, replacing: boolean, syncDirectory: () => Promise<void>): Promise<Journal> {
    const temp = replacing ? tempOf(path) : path;
    let fd: number | undefined;
    try {
      fd = await openFd(temp, NEW_JOURNAL_FLAGS, 0o600);
      const stats = statOpen(fd);
      if (replacing) await rename(temp, path);
      await syncDirectory();
      return new Journal(fd, { size: 0, dev: stats.dev, ino: stats.ino });
    } catch (error) {
      if (fd !== undefined) await closeQuietly(fd);
      await unlink(temp).catch(() => undefined);
      throw error;
    }
  }

  /**
   * Appends one line, durable when it resolves (O_DSYNC, or an fdatasync where there is none). A
   * failure (maybe a partial line) closes the journal: the next write rewrites the files.
   */
  async append(line: Uint8Array): Promise<void> {
    const fd = this.#fd;
    try {
      let written = await writeFd(fd, line);
      while (written < line.byteLength) written += await writeFd(fd, line.subarray(written));
      if (O_DSYNC === 0) await fdatasyncFd(fd);
      this.bytes += line.byteLength;
    } catch (error) {
      this.closed = true;
      await closeQuietly(fd);
      throw error;
    }
  }

  /** Closes the journal (once; a failure is ignored). */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return closeQuietly(this.#fd);
  }
}
