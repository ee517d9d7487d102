#!/usr/bin/env node
// The `streamshare` command. npm links a package's bin only if the file exists at install time, and
// dist/ is built after `npm ci` in a clone of the repository, so the link points here, at a file that
// is always there, and this file runs the built CLI.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write(
    `streamshare: ${fileURLToPath(cli)} is missing: run \`npm run build\` at the repository root first\n`,
  );
  process.exit(1);
}
await import(cli.href);
