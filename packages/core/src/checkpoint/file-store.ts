import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { CheckpointError } from '../errors/record-errors.js';
import type { Checkpoint, CheckpointStore } from './checkpoint.js';
import { compareCheckpoints, isCheckpoint, validateCheckpoint } from './compare.js';
import { checkpointFileName } from './file-name.js';
import { backwards } from './memory-store.js';

/** Options of {@link FileCheckpointStore}. */
export interface FileCheckpointStoreOptions {
  /** Directory holding one JSON file per stream (created when missing). */
  readonly directory: string;
}

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

/** The newest checkpoint asked for a shard, and every put waiting for it to be on disk. */
interface PendingShard {
  checkpoint: Checkpoint;
  readonly waiters: Waiter[];
}

interface PendingBatch {
  readonly streamArn: string;
  readonly shards: Map<string, PendingShard>;
}

/** What a stream's checkpoint file holds. */
export interface CheckpointFile {
  readonly version: 1;
  readonly streamArn: string;
  readonly shards: Record<string, Checkpoint & { readonly updatedAt?: string }>;
}

/**
 * Checkpoints on local disk: one JSON file per stream holding all its shards. Every write goes
 * to a temporary file that is fsynced, renamed over the old file, then the directory is fsynced,
 * so a crash (even SIGKILL or power loss) leaves the old or the new checkpoint, never a broken file.
 * Writes to one file are serialised within the process, and puts that arrive while a write is in
 * flight are written together by the next one (group commit); a checkpoint that goes backwards is
 * refused (`CHECKPOINT_BACKWARDS`); an unreadable file is `CHECKPOINT_CORRUPT`, never reset.
 * One process per directory (use the DynamoDB lease store of @streamshare/poller for several workers).
 */
export class FileCheckpointStore implements CheckpointStore {
  readonly directory: string;
  /** Checkpoints waiting to be written, per file. */
  readonly #pending = new Map<string, PendingBatch>();
  /** The write loop of each file that has one running. */
  readonly #flushing = new Map<string, Promise<void>>();
  #ready: Promise<void> | undefined;

  constructor(options: FileCheckpointStoreOptions) {
    if (typeof options?.directory !== 'string' || options.directory === '') {
      throw new CheckpointError('CHECKPOINT_IO', 'FileCheckpointStore needs options.directory (a directory path)');
    }
    this.directory = options.directory;
  }

  /** Path of the file holding the checkpoints of `streamArn`. */
  fileOf(streamArn: string): string {
    return join(this.directory, checkpointFileName(streamArn));
  }

  async get(streamArn: string, shardId: string): Promise<Checkpoint | undefined> {
    const file = await this.#read(this.fileOf(streamArn), streamArn);
    const c = file?.shards[shardId];
    return c === undefined
      ? undefined
      : { sequenceNumber: c.sequenceNumber, subSequenceNumber: c.subSequenceNumber, complete: c.complete };
  }

  /** Every shard's checkpoint of a stream (empty when none was written). */
  async getAll(streamArn: string): Promise<Record<string, Checkpoint>> {
    const file = await this.#read(this.fileOf(streamArn), streamArn);
    const out: Record<string, Checkpoint> = {};
    for (const [shard, c] of Object.entries(file?.shards ?? {})) {
      out[shard] = { sequenceNumber: c.sequenceNumber, subSequenceNumber: c.subSequenceNumber, complete: c.complete };
    }
    return out;
  }

  async put(streamArn: string, shardId: string, checkpoint: Checkpoint): Promise<void> {
    const next = validateCheckpoint(checkpoint, `checkpoint of ${shardId} in ${streamArn}`);
    const path = this.fileOf(streamArn);
    let batch = this.#pending.get(path);
    if (batch === undefined) {
      batch = { streamArn, shards: new Map() };
      this.#pending.set(path, batch);
    }
    const waiting = batch.shards.get(shardId);
    if (waiting !== undefined && compareCheckpoints(next, waiting.checkpoint) < 0) {
      throw backwards(streamArn, shardId, waiting.checkpoint, next);
    }
    const done = new Promise<void>((resolve, reject) => {
      const waiters = waiting?.waiters ?? [];
      waiters.push({ resolve, reject });
      batch.shards.set(shardId, { checkpoint: next, waiters });
    });
    if (!this.#flushing.has(path)) this.#flushing.set(path, this.#flush(path));
    return done;
  }

  /**
   * Writes the pending checkpoints of one file, batch after batch: puts that arrive while a write
   * is in flight (other shards of the stream, or a newer checkpoint of the same shard) are written
   * together by the next one (group commit), so N shards cost one fsync, not N in a row. Every put
   * resolves only once its checkpoint is on disk.
   */
  async #flush(path: string): Promise<void> {
    for (;;) {
      const batch = this.#pending.get(path);
      if (batch === undefined) {
        // In the same tick as the check, so a put never finds a loop that is about to end.
        this.#flushing.delete(path);
        return;
      }
      this.#pending.delete(path);
      try {
        await this.#write(path, batch);
      } catch (error) {
        for (const { waiters } of batch.shards.values()) for (const w of waiters) w.reject(error);
      }
    }
  }

  async #write(path: string, batch: PendingBatch): Promise<void> {
    const { streamArn } = batch;
    await this.#prepare();
    const current = await this.#read(path, streamArn);
    const shards: CheckpointFile['shards'] = { ...current?.shards };
    const writing: PendingShard[] = [];
    const updatedAt = new Date().toISOString();
    for (const [shardId, pending] of batch.shards) {
      const stored = current?.shards[shardId];
      const order = stored === undefined ? 1 : compareCheckpoints(pending.checkpoint, stored);
      if (order < 0) {
        const error = backwards(streamArn, shardId, stored!, pending.checkpoint);
        for (const w of pending.waiters) w.reject(error);
      } else if (order === 0) {
        for (const w of pending.waiters) w.resolve();
      } else {
        shards[shardId] = { ...pending.checkpoint, updatedAt };
        writing.push(pending);
      }
    }
    if (writing.length === 0) return;
    const content: CheckpointFile = { version: 1, streamArn, shards };
    const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      const handle = await open(temp, 'w', 0o600);
      try {
        await handle.writeFile(`${JSON.stringify(content, null, 2)}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, path);
      await this.#syncDirectory();
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      const shardIds = [...batch.shards.keys()].join(', ');
      const failure = new CheckpointError(
        'CHECKPOINT_IO',
        `could not write checkpoint of ${shardIds} in ${streamArn} to ${path}: ${(error as Error).message}`,
        { cause: error, retryable: true },
      );
      for (const pending of writing) for (const w of pending.waiters) w.reject(failure);
      return;
    }
    for (const pending of writing) for (const w of pending.waiters) w.resolve();
  }

  /** Creates the directory and removes temp files left by a killed writer (once per store). */
  #prepare(): Promise<void> {
    this.#ready ??= (async () => {
      try {
        await mkdir(this.directory, { recursive: true });
      } catch (error) {
        this.#ready = undefined;
        throw new CheckpointError(
          'CHECKPOINT_IO',
          `could not create checkpoint directory ${this.directory}: ${(error as Error).message}`,
          { cause: error, retryable: true },
        );
      }
      const names = await readdir(this.directory).catch(() => [] as string[]);
      await Promise.all(names.filter(isStaleTemp).map((n) => unlink(join(this.directory, n)).catch(() => undefined)));
    })();
    return this.#ready;
  }

  async #syncDirectory(): Promise<void> {
    let dir: Awaited<ReturnType<typeof open>> | undefined;
    try {
      dir = await open(this.directory, 'r');
      await dir.sync();
    } catch (error) {
      // Some platforms (Windows) cannot fsync a directory; the rename is still atomic there.
      if ((error as NodeJS.ErrnoException).code !== 'EISDIR' && (error as NodeJS.ErrnoException).code !== 'EPERM') {
        throw error;
      }
    } finally {
      await dir?.close();
    }
  }

  async #read(path: string, streamArn: string): Promise<CheckpointFile | undefined> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new CheckpointError(
        'CHECKPOINT_IO',
        `could not read checkpoint file ${path}: ${(error as Error).message}`,
        {
          cause: error,
          retryable: true,
        },
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw corrupt(path, `not JSON (${(error as Error).message})`, error);
    }
    const file = parsed as Partial<CheckpointFile> | null;
    if (typeof file !== 'object' || file === null || file.version !== 1 || typeof file.shards !== 'object') {
      throw corrupt(path, 'expected { version: 1, streamArn, shards: { <shardId>: checkpoint } }');
    }
    if (file.streamArn !== streamArn) {
      throw corrupt(path, `it holds stream ${JSON.stringify(file.streamArn)}, expected ${JSON.stringify(streamArn)}`);
    }
    for (const [shard, c] of Object.entries(file.shards ?? {})) {
      if (!isCheckpoint(c)) throw corrupt(path, `the checkpoint of ${shard} is malformed: ${JSON.stringify(c)}`);
    }
    return file as CheckpointFile;
  }
}

/** A temp file (`<file>.<pid>.<random>.tmp`) of a writer process that is gone. */
function isStaleTemp(name: string): boolean {
  const match = /\.(\d+)\.[0-9a-f]+\.tmp$/.exec(name);
  if (!match) return false;
  const pid = Number(match[1]);
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function corrupt(path: string, why: string, cause?: unknown): CheckpointError {
  return new CheckpointError(
    'CHECKPOINT_CORRUPT',
    `checkpoint file ${path} is unreadable: ${why}. It was left as is; fix or remove it to go on.`,
    cause === undefined ? {} : { cause },
  );
}
