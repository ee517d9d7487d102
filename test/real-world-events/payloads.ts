import { Buffer } from 'node:buffer';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';

// The real-world payloads of issue 14 live outside the repository (`../shared/real-world-events`,
// next to the checkout; SOURCES.md there says where each came from and what a consumer should do
// with it). They are read in place, never copied in. Where the folder is absent, every suite that
// needs it is skipped with a test whose name says so, and a warning.

/** Points the suite at another copy of the payloads (a directory holding SOURCES.md, kinesis/, kpl/, ...). */
export const PAYLOADS_ENV = 'STREAMSHARE_REAL_WORLD_EVENTS';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const RELATIVE = join('..', 'shared', 'real-world-events');

/**
 * The main checkout of a git worktree (its `.git` is a file naming `<main>/.git/worktrees/<name>`,
 * whose `commondir` leads back to `<main>/.git`), or undefined. Read from the files, no git call.
 */
function mainCheckoutOf(root: string): string | undefined {
  try {
    const dotGit = join(root, '.git');
    if (!statSync(dotGit).isFile()) return undefined;
    const gitdir = /^gitdir:\s*(.+)$/m.exec(readFileSync(dotGit, 'utf8'))?.[1]?.trim();
    if (gitdir === undefined) return undefined;
    const absolute = resolve(root, gitdir);
    const common = resolve(absolute, readFileSync(join(absolute, 'commondir'), 'utf8').trim());
    return dirname(common);
  } catch {
    return undefined;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Where the payloads are looked for: the env override alone when set; otherwise `../shared` next
 * to this checkout, then next to the main checkout when this is a git worktree.
 */
export const LOOKED_AT: readonly string[] = (() => {
  const override = process.env[PAYLOADS_ENV];
  if (override !== undefined && override !== '') return [resolve(override)];
  const main = mainCheckoutOf(ROOT);
  const places = [resolve(ROOT, RELATIVE)];
  if (main !== undefined) places.push(resolve(main, RELATIVE));
  return [...new Set(places)];
})();

/** The payload folder, or undefined when it is in none of the places looked at. */
export const PAYLOADS_DIR: string | undefined = LOOKED_AT.find(isDirectory);

const MISSING = `real-world payload folder missing: looked for ${LOOKED_AT.join(' and ')} (set ${PAYLOADS_ENV} to its path)`;

let warned = false;

/**
 * `describe(name, body)` when the payloads are there; otherwise a suite of one skipped test whose
 * name says that the folder is missing and where it was looked for, and a console warning.
 */
export function describePayloads(name: string, body: () => void): void {
  if (PAYLOADS_DIR !== undefined) {
    describe(name, body);
    return;
  }
  if (!warned) {
    warned = true;
    console.warn(`SKIPPED ${name}: ${MISSING}`);
  }
  describe(name, () => {
    it.skip(`SKIPPED: ${MISSING}`, () => {});
  });
}

function pathOf(file: string): string {
  if (PAYLOADS_DIR === undefined) throw new Error(MISSING);
  return join(PAYLOADS_DIR, file);
}

/** A payload's text (`file` relative to the payload folder, e.g. `kinesis/powertools-ts-stream.json`). */
export function readText(file: string): string {
  return readFileSync(pathOf(file), 'utf8');
}

/** A payload parsed as JSON (a fresh copy each call: handlers may not change what another test reads). */
export function readJson<T = unknown>(file: string): T {
  return JSON.parse(readText(file)) as T;
}

/** A payload's bytes, as a plain Uint8Array. */
export function readBytes(file: string): Uint8Array {
  const buffer = readFileSync(pathOf(file));
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** Every file of the payload folder, relative to it, `/`-separated, sorted. */
export function listPayloadFiles(): string[] {
  if (PAYLOADS_DIR === undefined) throw new Error(MISSING);
  const found: string[] = [];
  const walk = (dir: string, prefix: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const name = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
      if (entry.isDirectory()) walk(join(dir, entry.name), name);
      else found.push(name);
    }
  };
  walk(PAYLOADS_DIR, '');
  return found.sort();
}

// Independent decoding, in the test itself: Node's lenient base64 (it also takes the unpadded and
// over-long texts some payloads hold) and UTF-8, never the library's own decoders.

/** Bytes of a base64 text, as Node decodes it (lenient). */
export function base64Bytes(text: string): Uint8Array {
  const buffer = Buffer.from(text, 'base64');
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** UTF-8 text of a base64 text. */
export function base64Text(text: string): string {
  return Buffer.from(text, 'base64').toString('utf8');
}

/** UTF-8 text of bytes. */
export function utf8(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

/** Copies bytes into a plain array, for comparisons that must not depend on the view's type. */
export function plain(bytes: Uint8Array): number[] {
  return Array.from(bytes);
}
