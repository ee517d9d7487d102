#!/usr/bin/env node
// Runs every benchmark (packages/*/bench/*.bench.mjs) one after another, each in its own process,
// and passes their JSON lines through to stdout. Non-JSON output goes to stderr.
// Usage: node scripts/bench.mjs [filter]   (filter: substring of the bench file path)
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const filter = process.argv[2];

const files = [];
for (const pkg of readdirSync(join(root, 'packages'))) {
  const dir = join(root, 'packages', pkg, 'bench');
  if (!existsSync(dir)) continue;
  for (const f of readdirSync(dir).sort()) {
    if (f.endsWith('.bench.mjs') && f !== 'scale-h2.bench.mjs') files.push(join(dir, f)); // scale-h2: minutes, by hand
  }
}

let failures = 0;
for (const file of files) {
  const name = relative(root, file);
  if (filter && !name.includes(filter)) continue;
  process.stderr.write(`# ${name}\n`);
  const code = await new Promise((resolve) => {
    const child = spawn(process.execPath, ['--expose-gc', file], {
      cwd: join(file, '..', '..'),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let buffer = '';
    child.stdout.on('data', (chunk) => {
      buffer += chunk;
      let nl = buffer.indexOf('\n');
      while (nl >= 0) {
        const line = buffer.slice(0, nl).trim();
        buffer = buffer.slice(nl + 1);
        if (line.startsWith('{')) process.stdout.write(`${line}\n`);
        else if (line) process.stderr.write(`${line}\n`);
        nl = buffer.indexOf('\n');
      }
    });
    child.on('close', (c) => resolve(c ?? 1));
  });
  if (code !== 0) {
    failures += 1;
    process.stdout.write(`${JSON.stringify({ bench: name, error: `exited with code ${code}` })}\n`);
  }
}
process.exitCode = failures === 0 ? 0 : 1;
