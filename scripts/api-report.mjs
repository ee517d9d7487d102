#!/usr/bin/env node
// The public API reports of the published packages: packages/<pkg>/api/<pkg>.api.md, written by
// Microsoft's API Extractor from the built dist/index.d.ts (so `npm run build` first).
//
//   node scripts/api-report.mjs           rewrites the reports (`npm run api`); commit them
//   node scripts/api-report.mjs --check   fails when a package's API differs from its committed
//                                         report (`npm run api:check`, run by CI after the build)
//
// A change to a package's exports, or to the types they reach, changes its report, so it shows in
// review; CI fails until the report is regenerated and committed with the change.
//
// Settings (api-extractor.base.json, extended by each package's api-extractor.json): the reports read
// dist/index.d.ts alone (overrideTsconfig, so that src/ is not compiled again); types the API uses
// without exporting them are written into the report too (includeForgottenExports, with a
// `Warning: (ae-forgotten-export)` line), so that a change to them shows as well; streamshare uses
// no release tags (@public, @beta), so their absence is not reported; TSDoc comments are written for
// readers and not checked against the TSDoc grammar. Other API Extractor warnings fail the check.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Extractor, ExtractorConfig } from '@microsoft/api-extractor';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The packages users install (testkit is for this repository's tests only). */
const PACKAGES = ['core', 'lambda-adapter', 'poller', 'eventbridge-bridge'];

const check = process.argv.includes('--check');
const unknown = process.argv.slice(2).filter((arg) => arg !== '--check');
if (unknown.length > 0) {
  process.stderr.write(`api-report: unknown argument ${unknown[0]} (usage: api-report.mjs [--check])\n`);
  process.exit(2);
}

const failed = [];
for (const pkg of PACKAGES) {
  const folder = join(ROOT, 'packages', pkg);
  const entry = join(folder, 'dist/index.d.ts');
  if (!existsSync(entry)) {
    process.stderr.write(`api-report: ${relative(ROOT, entry)} is missing: run \`npm run build\` first\n`);
    process.exit(2);
  }
  const config = ExtractorConfig.loadFileAndPrepare(join(folder, 'api-extractor.json'));
  mkdirSync(config.reportFolder, { recursive: true });
  mkdirSync(config.reportTempFolder, { recursive: true });
  const report = relative(ROOT, join(config.reportFolder, config.reportConfigs[0].fileName));
  const messages = [];
  const result = Extractor.invoke(config, {
    localBuild: !check,
    messageCallback(message) {
      // One line per problem, printed below. API Extractor's banner and its notes about the report
      // file itself (console-*: created, changed) are left out: the lines below say that.
      const problem = message.logLevel === 'error' || message.logLevel === 'warning';
      if (problem && !message.messageId.startsWith('console-')) messages.push(message.formatMessageWithLocation(ROOT));
      message.handled = true;
    },
  });
  for (const line of messages) process.stderr.write(`  ${pkg}: ${line}\n`);
  if (check && result.apiReportChanged) {
    // What changed, as a unified diff of the committed report and the one made now (when `diff` is there).
    const made = join(config.reportTempFolder, config.reportConfigs[0].fileName);
    const diff = spawnSync('diff', ['-u', '--label', report, '--label', 'built .d.ts', join(ROOT, report), made], {
      encoding: 'utf8',
    });
    if (diff.stdout) process.stderr.write(diff.stdout);
    process.stderr.write(
      `api-report: the public API of @streamshare/${pkg} differs from ${report}: run \`npm run build && npm run api\`, review the report's diff and commit it\n`,
    );
    failed.push(pkg);
  } else if (!result.succeeded) {
    process.stderr.write(
      `api-report: API Extractor failed on @streamshare/${pkg} (${result.errorCount} errors, ${result.warningCount} warnings)\n`,
    );
    failed.push(pkg);
  } else {
    process.stdout.write(`${report}: ${result.apiReportChanged ? 'updated' : 'unchanged'}\n`);
  }
}
process.exit(failed.length > 0 ? 1 : 0);
