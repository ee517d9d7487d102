import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** What a run of `node examples/demo/run.mjs` gave. */
export interface DemoRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly elapsedMs: number;
}

const RUN = fileURLToPath(new URL('../run.mjs', import.meta.url));

/** Runs the demo as a child process (its packages already built) and collects its output. */
export function runDemo(timeoutMs: number): Promise<DemoRun> {
  const startedAt = performance.now();
  const child = spawn(process.execPath, [RUN], {
    env: { ...process.env, STREAMSHARE_DEMO_NO_BUILD: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  // A hung demo is killed so that the test reports it (the assertions then say what was printed).
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, elapsedMs: performance.now() - startedAt });
    });
  });
}

/** The demo's output cut at its section headers (`1. …`, `4a. …`): header number → text. */
export function sections(stdout: string): Map<string, string> {
  const result = new Map<string, string>();
  const parts = stdout.split(/^(\d[a-z]?)\. /m);
  for (let i = 1; i + 1 < parts.length; i += 2) result.set(parts[i]!, parts[i + 1]!);
  return result;
}

/** The JSON value printed (indented by `indent` spaces) right after the line containing `label`. */
export function jsonAfter(text: string, label: string, indent = 4): unknown {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => line.includes(label));
  if (start < 0) throw new Error(`no line with ${JSON.stringify(label)}`);
  const pad = ' '.repeat(indent);
  const block: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!line.startsWith(pad)) break;
    block.push(line);
  }
  return JSON.parse(block.join('\n'));
}
