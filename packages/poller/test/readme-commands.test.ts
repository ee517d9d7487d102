/**
 * Every `streamshare` command shown in a README (root, packages, examples) runs here, so the docs
 * cannot drift from the CLI: `policy` commands are run and must succeed (lint runs on a policy the
 * CLI printed for the same stream); `poll` and `doctor` command lines must parse with the current
 * flags and their values must validate (running them needs a stream: the CLI and doctor tests do).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkConsumerName } from '../src/admin/consumer-register.js';
import { LIST_FLAGS, SET_FLAGS } from '../src/cli/commands/checkpoints.js';
import { LIST_FLAGS as CONSUMER_LIST_FLAGS, DEREGISTER_FLAGS, REGISTER_FLAGS } from '../src/cli/commands/consumer.js';
import { DOCTOR_FLAGS } from '../src/cli/commands/doctor.js';
import { IMPORT_KCL_FLAGS } from '../src/cli/commands/import-kcl.js';
import { readFlags } from '../src/cli/flags.js';
import { POLL_FLAGS, pollConfigFrom } from '../src/cli/poll-config.js';
import { runCli } from '../src/cli/run.js';
import { LEASE_TABLE_ACTIONS, LEASE_TABLE_OPTIONAL_ACTIONS } from '../src/leases/index.js';
import { memoryIo as fakeIo } from './helpers/memory-io.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function readmes(): string[] {
  const files = [join(ROOT, 'README.md')];
  for (const dir of ['packages', 'examples']) {
    for (const entry of readdirSync(join(ROOT, dir))) {
      const file = join(ROOT, dir, entry, 'README.md');
      if (existsSync(file)) files.push(file);
    }
  }
  return files;
}

/** Shell words of a command line (single and double quotes; no expansion). */
function words(line: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) out.push(m[1] ?? m[2] ?? m[3]!);
  return out;
}

/** `streamshare ...` commands in the fenced shell code blocks of a Markdown file, continuations joined. */
export function commandsIn(markdown: string): string[][] {
  const commands: string[][] = [];
  let inBlock = false;
  let pending = '';
  for (const raw of markdown.split('\n')) {
    const fence = /^\s*```(\w*)/.exec(raw);
    if (fence) {
      // Shell blocks only: other blocks hold code or sample output.
      inBlock = !inBlock && ['sh', 'bash', 'shell', 'console'].includes(fence[1] ?? '');
      pending = '';
      continue;
    }
    if (!inBlock) continue;
    const line = raw.replace(/\s+#\s.*$/, '').trim();
    const joined = pending ? `${pending} ${line}` : line;
    if (joined.endsWith('\\')) {
      pending = joined.slice(0, -1).trim();
      continue;
    }
    pending = '';
    const argv = words(joined.replace(/^\$\s+/, ''));
    if (argv[0] === 'npx') argv.shift();
    if (argv[0] === 'streamshare' && argv.length > 1) commands.push(argv.slice(1));
  }
  return commands;
}

const found = readmes().flatMap((file) =>
  commandsIn(readFileSync(file, 'utf8')).map((argv) => ({ file: file.slice(ROOT.length), argv })),
);

describe('commands shown in the READMEs', () => {
  it('finds the commands (policy, lint, poll, doctor)', () => {
    const kinds = new Set(found.map((c) => (c.argv[1] === 'lint' ? 'policy lint' : c.argv[0])));
    expect([...kinds].sort()).toEqual(expect.arrayContaining(['doctor', 'policy', 'policy lint', 'poll']));
  });

  it.each(found.map((c) => [`${c.file}: streamshare ${c.argv.join(' ')}`, c] as const))('%s', async (_, command) => {
    const { argv } = command;
    if (argv[0] === 'policy') {
      const dir = await mkdtemp(join(tmpdir(), 'readme-policy-'));
      if (argv[1] === 'lint') {
        // Lint a policy made by the CLI for the same stream or consumer (the README says to check the one you attach).
        const flag = argv.includes('--consumer-arn') ? '--consumer-arn' : '--stream-arn';
        const resourceArn = argv[argv.indexOf(flag) + 1]!;
        const printed = fakeIo(dir);
        const role = 'arn:aws:iam::888800008888:role/service-role/kds-reader1-role-q6zcv9kq';
        expect(await runCli(['policy', flag, resourceArn, '--principal', role], printed.io)).toBe(0);
        await writeFile(join(dir, argv[2]!), printed.out());
      }
      const run = fakeIo(dir);
      const code = await runCli(argv, run.io);
      expect(run.err()).toBe('');
      expect(code).toBe(0);
      return;
    }
    if (argv[0] === 'poll') {
      expect(() => pollConfigFrom(readFlags(POLL_FLAGS, argv.slice(1), {}))).not.toThrow();
      return;
    }
    if (argv[0] === 'doctor') {
      expect(() => readFlags(DOCTOR_FLAGS, argv.slice(1), {})).not.toThrow();
      return;
    }
    if (argv[0] === 'checkpoints' && (argv[1] === 'list' || argv[1] === 'set')) {
      expect(() => readFlags(argv[1] === 'list' ? LIST_FLAGS : SET_FLAGS, argv.slice(2), {})).not.toThrow();
      return;
    }
    if (argv[0] === 'consumer') {
      // Running them needs the producer's stream: cli-consumer.test.ts does; here the flags must parse.
      const flags = { register: REGISTER_FLAGS, list: CONSUMER_LIST_FLAGS, deregister: DEREGISTER_FLAGS }[argv[1]!];
      expect(flags, `consumer ${argv[1]}`).toBeDefined();
      const raw = readFlags(flags!, argv.slice(2), {});
      const name = raw.values.get('name');
      if (name !== undefined) expect(() => checkConsumerName(name.value)).not.toThrow();
      return;
    }
    if (argv[0] === 'import' && argv[1] === 'kcl') {
      expect(() => readFlags(IMPORT_KCL_FLAGS, argv.slice(2), {})).not.toThrow();
      return;
    }
    throw new Error(`a README shows \`streamshare ${argv[0]}\`, which is not a command the tests know`);
  });
});

describe('the poller README', () => {
  it('lists the DynamoDB actions the lease table needs, as the code calls them', () => {
    const readme = readFileSync(join(ROOT, 'packages/poller/README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Leases'), readme.indexOf('\n## ', readme.indexOf('## Leases') + 1));
    for (const action of LEASE_TABLE_ACTIONS) expect(section).toContain(action.replace('dynamodb:', ''));
    // The optional ones are named as optional, and nothing the code never calls is asked for.
    for (const action of LEASE_TABLE_OPTIONAL_ACTIONS) expect(section).toContain(`With \`${action}\``);
    expect(section).not.toMatch(/Scan|BatchWriteItem/);
  });
});
