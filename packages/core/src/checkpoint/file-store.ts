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
 * Writes to one file are serialised within the process; a checkpoint that goes backwards is
 * refused (`CHECKPOINT_BACKWARDS`); an unreadable file is `CHECKPOINT_CORRUPT`, never reset.
 * One process per directory (use the DynamoDB lease store of @streamshare/poller for several workers).
 */
export class FileCheckpointStore implements CheckpointStore {
  readonly directory: string;
  readonly #queues = new Map<string, Promise<unknown>>();
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
    const previous = this.#queues.get(path) ?? Promise.resolve();
    const run = previous.then(
      () => this.#write(path, streamArn, shardId, next),
      () => this.#write(path, streamArn, shardId, next),
    );
    const tail = run.catch(() => undefined);
    this.#queues.set(path, tail);
    void tail.then(() => {
      if (this.#queues.get(path) === tail) this.#queues.delete(path);
    });
    return run;
  }

  async #write(path: string, streamArn: string, shardId: string, next: Checkpoint): Promise<void> {
    await this.#prepare();
    const current = await this.#read(path, streamArn);
    const stored = current?.shards[shardId];
    if (stored !== undefined) {
      const order = compareCheckpoints(next, stored);
      if (order < 0) throw backwards(streamArn, shardId, stored, next);
      if (order === 0) return;
    }
    const content: CheckpointFile = {
      version: 1,
      streamArn,
      shards: { ...current?.shards, [shardId]: { ...next, updatedAt: new Date().toISOString() } },
    };
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
      throw new CheckpointError(
        'CHECKPOINT_IO',
        `could not write checkpoint of ${shardId} in ${streamArn} to ${path}: ${(error as Error).message}`,
        { cause: error, retryable: true },
      );
    }
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
