#!/usr/bin/env node
// Invokes kds-reader1's handler locally with the reference event of DESIGN.md (or the event file
// given as first argument) and a fake Lambda context, and prints the response.
// Usage: npm run build -w @streamshare/core -w @streamshare/lambda-adapter
//        node examples/cross-account-lambda/scripts/invoke-local.mjs [event.json]
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export const REFERENCE_EVENT_PATH = fileURLToPath(new URL('../events/reference-event.json', import.meta.url));

/** A Lambda context for local runs: the remaining time shrinks with the clock from `timeoutMs`. */
export function fakeContext(timeoutMs = 60_000) {
  const end = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'kds-reader1',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:888800008888:function:kds-reader1',
    memoryLimitInMB: '128',
    awsRequestId: `local-${Date.now()}`,
    logGroupName: '/aws/lambda/kds-reader1',
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, end - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/**
 * Reads the event file and invokes the handler with it.
 * @param {{ eventPath?: string, handler?: (event: unknown, context: unknown) => Promise<unknown> }} [options]
 */
export async function invokeLocal(options = {}) {
  const event = JSON.parse(await readFile(options.eventPath ?? REFERENCE_EVENT_PATH, 'utf8'));
  const handler = options.handler ?? (await import('../src/kds-reader1.mjs')).handler;
  return handler(event, fakeContext());
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const response = await invokeLocal({ eventPath: process.argv[2] });
  process.stdout.write(`response: ${JSON.stringify(response)}\n`);
}
