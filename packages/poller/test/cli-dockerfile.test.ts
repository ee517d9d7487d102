import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// There is no Docker engine here: the image's entrypoint is exercised by running dist/cli.js as a
// child process (cli-kinesis, configured by environment only, as in the container). These checks
// keep the Dockerfile's promises from drifting.
const dockerfile = readFileSync(new URL('../Dockerfile', import.meta.url), 'utf8');
const runtimes = JSON.parse(readFileSync(new URL('../../../runtimes.json', import.meta.url), 'utf8')) as {
  node: { containerImage: string };
};
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'));

describe('the poller Dockerfile', () => {
  it('builds on the Node LTS image named in runtimes.json, in stages, and runs as the non-root node user', () => {
    expect(runtimes.node.containerImage).toMatch(/^node:(22|24)-slim$/);
    expect(dockerfile).toContain(`ARG NODE_IMAGE=${runtimes.node.containerImage}`);
    expect(instructions.filter((line) => line.startsWith('FROM ')).length).toBe(2);
    const users = instructions.filter((line) => line.startsWith('USER '));
    expect(users.at(-1)).toBe('USER node');
  });

  it('keeps only production dependencies of the runtime packages', () => {
    expect(dockerfile).toMatch(
      /npm ci --omit=dev[^\n]*\n[^\n]*-w @streamshare\/core -w @streamshare\/lambda-adapter -w @streamshare\/poller/,
    );
    for (const pkg of ['core', 'lambda-adapter', 'poller']) expect(dockerfile).toContain(`/src/packages/${pkg}/dist`);
  });

  it('has the streamshare poll entrypoint, a /healthz health check and SIGTERM as stop signal', () => {
    expect(instructions.at(-1)).toBe('ENTRYPOINT ["streamshare", "poll"]');
    expect(dockerfile).toContain('ln -s /app/packages/poller/dist/cli.js /usr/local/bin/streamshare');
    const health = instructions.find((line) => line.startsWith('HEALTHCHECK'));
    expect(health).toContain('/healthz');
    expect(health).toContain('STREAMSHARE_METRICS_PORT||9090');
    expect(instructions).toContain('STOPSIGNAL SIGTERM');
    expect(instructions).toContain('EXPOSE 9090');
  });

  it('is built from the repository root with an ignore file that keeps node_modules and dist out', () => {
    for (const name of ['.dockerignore', 'Dockerfile.dockerignore']) {
      const ignore = readFileSync(new URL(`../${name}`, import.meta.url), 'utf8');
      expect(ignore).toContain('**/node_modules');
      expect(ignore).toContain('**/dist');
    }
    expect(dockerfile).toContain('docker build -f packages/poller/Dockerfile');
  });
});
