import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bytesOf,
  emptyLogEvents,
  emptyObjects,
  gzipOf,
  realisticLogs,
  realisticOrders,
  zlibOf,
} from './fixtures/decode-payloads.js';

/**
 * Decoding bombs against processBatch in a child process with a 256 MiB heap, with the default
 * decode limits: each hostile record fails as that record (a DecodeError whose cause names the
 * limit), the process survives, the batch goes on (dead letter) or stops there (no dead letter),
 * and legitimate records of Kinesis' largest size (10 MiB) decode.
 */

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const HEAP_MB = 256;
const MIB = 1024 * 1024;

let work: string;
let coreModule: string;
const files = new Map<string, string>();

/**
 * A gzip record inflating to `objects` empty objects in a JSON array (`[{},{},...]`), made of
 * repeated gzip members (gunzip reads them as one stream), so that the 64 MiB bomb of the report
 * (about 64 KiB) is made in milliseconds.
 */
function objectsBomb(objects: number, wrap: (array: string) => [string, string] = () => ['', '']): Uint8Array {
  const perChunk = 1_000_000;
  const chunk = gzipSync('{},'.repeat(perChunk), { level: 9 });
  const [before, after] = wrap('');
  const parts: Uint8Array[] = [gzipSync(`${before}[`)];
  let left = objects - 1;
  while (left >= perChunk) {
    parts.push(chunk);
    left -= perChunk;
  }
  parts.push(gzipSync(`${'{},'.repeat(left)}{}]${after}`));
  return Buffer.concat(parts);
}

const cwlWrap = (): [string, string] => [
  '{"messageType":"DATA_MESSAGE","owner":"1","logGroup":"g","logStream":"s","subscriptionFilters":[],"logEvents":',
  '}',
];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'streamshare-decode-bomb-'));
  // Vitest's aliases do not reach a child process: bundle core from its sources for it.
  coreModule = join(work, 'core.mjs');
  await build({
    entryPoints: [here('../src/index.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: coreModule,
    logLevel: 'silent',
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  });
  const orders = realisticOrders(10 * MIB);
  const payloads: Record<string, Uint8Array> = {
    // legitimate
    small: bytesOf('{"ok":true}'),
    'small.gz': gzipOf('{"ok":true}'),
    'small.zlib': zlibOf('{"ok":true}'),
    'orders-10MiB': bytesOf(orders),
    'orders-10MiB.gz': gzipOf(orders),
    'logs-10MiB.gz': gzipOf(realisticLogs(10 * MIB)),
    'logs-small.gz': gzipOf(realisticLogs(2_000)),
    // hostile: the report's record (64 KiB inflating to just under 64 MiB of [{},{},...])
    'bomb-64MiB.gz': objectsBomb(22_300_000),
    'bomb-64MiB-cwl.gz': objectsBomb(22_300_000, cwlWrap),
    // hostile under the inflate cap: 12 MB of [{},...], 4 million objects (kills a 256 MiB heap)
    'objects-12MB.gz': objectsBomb(4_000_000),
    'objects-12MB-cwl.gz': gzipOf(emptyLogEvents(4_000_000)),
    'objects-12MB.zlib': zlibOf(emptyObjects(4_000_000)),
    // hostile and not compressed: a 10 MiB record of [{},...], 3.5 million objects
    'objects-10MiB': bytesOf(emptyObjects(3_495_000)),
    // zlib inflating past the cap: must fail, not be taken as text by auto
    'zeros-20MiB.zlib': zlibOf(`"${' '.repeat(20 * MIB)}"`),
  };
  for (const [name, data] of Object.entries(payloads)) {
    const path = join(work, name);
    await writeFile(path, data);
    files.set(name, path);
  }
}, 60_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

interface ErrorSummary {
  name?: string;
  code?: string;
  codec?: string;
  message?: string;
  cause: { name?: string; code?: string; limit?: string };
}

interface ChildResult {
  handled: string[];
  deadLettered: { key: string; error: ErrorSummary }[];
  failed?: { key: string; reason: string; error: ErrorSummary };
  checkpoint?: { sequenceNumber: string };
  succeeded: number;
  ms: number;
  maxRssMB: number;
}

/** Runs processBatch over the named payloads in a child with a small heap; its exit and result. */
async function runChild(
  codec: string,
  names: string[],
  deadLetter: boolean,
): Promise<{ code: number | null; signal: string | null; stderr: string; result?: ChildResult }> {
  const manifest = join(work, `manifest-${codec}-${deadLetter}.json`);
  await writeFile(
    manifest,
    JSON.stringify({ codec, deadLetter, records: names.map((name) => ({ name, path: files.get(name) })) }),
  );
  const child = spawn(
    process.execPath,
    [
      `--max-old-space-size=${HEAP_MB}`,
      here('./fixtures-batch/decode-bomb-child.mjs'),
      pathToFileURL(coreModule).href,
      manifest,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const [code, signal] = await new Promise<[number | null, string | null]>((resolve) =>
    child.once('close', (c, s) => resolve([c, s])),
  );
  const line = stdout.split('\n').find((l) => l.startsWith('{'));
  return { code, signal, stderr: stderr.slice(0, 2_000), result: line ? (JSON.parse(line) as ChildResult) : undefined };
}

function expectLimitFailure(error: ErrorSummary, codec: string, limit: string) {
  expect(error).toMatchObject({
    name: 'DecodeError',
    code: 'DECODE_FAILED',
    codec,
    cause: { name: 'DecodeLimitError', code: 'DECODE_LIMIT_EXCEEDED', limit },
  });
  expect(error.message).toContain(`decode limit ${limit}`);
  expect(error.message).toContain('decodeLimits');
}

/** Per codec: the records in order, and the limit each hostile one must fail on. */
const cases: { codec: string; name: string; records: [string, string | undefined][] }[] = [
  {
    codec: 'gzip',
    name: 'gzip',
    records: [
      ['small.gz', undefined],
      ['bomb-64MiB.gz', 'maxOutputLength'],
      ['orders-10MiB.gz', undefined],
      ['objects-12MB.gz', 'maxJsonContainers'],
      ['small.zlib', undefined],
    ],
  },
  {
    codec: 'auto',
    name: 'auto',
    records: [
      ['small', undefined],
      ['bomb-64MiB.gz', 'maxOutputLength'],
      ['orders-10MiB.gz', undefined],
      ['objects-12MB.zlib', 'maxJsonContainers'],
      ['orders-10MiB', undefined],
      ['zeros-20MiB.zlib', 'maxOutputLength'],
      ['objects-10MiB', 'maxJsonContainers'],
      ['small.zlib', undefined],
    ],
  },
  {
    codec: 'cloudwatch-logs',
    name: 'cloudwatch-logs',
    records: [
      ['logs-small.gz', undefined],
      ['bomb-64MiB-cwl.gz', 'maxOutputLength'],
      ['logs-10MiB.gz', undefined],
      ['objects-12MB-cwl.gz', 'maxJsonContainers'],
      ['logs-small.gz', undefined],
    ],
  },
  {
    codec: 'schema-gzip',
    name: 'schema',
    records: [
      ['small.gz', undefined],
      ['bomb-64MiB.gz', 'maxOutputLength'],
      ['orders-10MiB.gz', undefined],
      ['objects-12MB.gz', 'maxJsonContainers'],
    ],
  },
  {
    codec: 'json',
    name: 'json',
    records: [
      ['small', undefined],
      ['objects-10MiB', 'maxJsonContainers'],
      ['orders-10MiB', undefined],
    ],
  },
];

describe(`decoding bombs under a ${HEAP_MB} MiB heap, default limits`, () => {
  for (const { codec, name, records } of cases) {
    it(`${codec}: each hostile record is dead-lettered as a DecodeError, 10 MiB records decode, the process lives`, async () => {
      const run = await runChild(
        codec,
        records.map(([file]) => file),
        true,
      );
      expect(run.signal, run.stderr).toBeNull();
      expect(run.code, run.stderr).toBe(0);
      const result = run.result as ChildResult;
      expect(result.failed).toBeUndefined();
      expect(result.handled).toEqual(records.filter(([, limit]) => limit === undefined).map(([file]) => file));
      const hostile = records.filter(([, limit]) => limit !== undefined);
      expect(result.deadLettered.map((d) => d.key)).toEqual(hostile.map(([file]) => file));
      for (const [i, [, limit]] of hostile.entries()) {
        expectLimitFailure(result.deadLettered[i]!.error, name, limit as string);
      }
    });
  }

  it('without a dead-letter callback the batch stops at the bomb (reason decode), checkpoint before it', async () => {
    const run = await runChild('gzip', ['small.gz', 'bomb-64MiB.gz', 'small.gz'], false);
    expect(run.code, run.stderr).toBe(0);
    const result = run.result as ChildResult;
    expect(result.handled).toEqual(['small.gz']);
    expect(result.failed).toMatchObject({ key: 'bomb-64MiB.gz', reason: 'decode' });
    expectLimitFailure((result.failed as { error: ErrorSummary }).error, 'gzip', 'maxOutputLength');
    expect(result.checkpoint?.sequenceNumber).toBe('49649683864473953433843496278632352517587667908684677122');
  });
});
