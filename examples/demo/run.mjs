#!/usr/bin/env node
// `npm run demo`: the reference scenario end to end on local servers (see README.md). It first
// builds the workspace packages it imports when their dist/ is missing or older than their
// sources (STREAMSHARE_DEMO_NO_BUILD=1 skips that check, for a caller that just built them).
import { ensureBuilt } from './ensure-built.mjs';

// The SDK warns on Node 20 about its future Node 22 requirement: noise in a demo (the project still supports Node 20.19+).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

let servers;
const onSignal = (signal) => {
  process.stderr.write(`\n${signal}: stopping the local servers\n`);
  Promise.resolve(servers?.stop())
    .catch(() => undefined)
    .finally(() => process.exit(130));
};
process.once('SIGINT', onSignal);
process.once('SIGTERM', onSignal);

try {
  if (process.env.STREAMSHARE_DEMO_NO_BUILD !== '1') {
    const startedAt = performance.now();
    const built = await ensureBuilt({
      onBuild: (pkg) =>
        process.stdout.write(`building @streamshare/${pkg} (its dist/ is missing or older than src/)\n`),
    });
    if (built.length > 0) process.stdout.write(`built in ${((performance.now() - startedAt) / 1000).toFixed(1)} s\n\n`);
  }
  // Imported after the build: it imports the packages' dist/.
  const { runDemo } = await import('./src/demo.mjs');
  await runDemo({ onServers: (started) => (servers = started) });
} catch (error) {
  process.stderr.write(`\ndemo failed: ${error?.stack ?? error}\n`);
  process.exitCode = 1;
} finally {
  process.removeListener('SIGINT', onSignal);
  process.removeListener('SIGTERM', onSignal);
}
