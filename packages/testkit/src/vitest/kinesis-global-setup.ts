/**
 * A vitest `globalSetup` module: starts one kinesis-mock for the vitest project that lists it,
 * provides its endpoint to the tests as `inject('kinesisEndpoint')`, and stops it on teardown.
 *
 * ```ts
 * // packages/<pkg>/vitest.config.ts
 * test: { globalSetup: ['../testkit/src/vitest/kinesis-global-setup.ts'] }
 * // a test
 * import { inject } from 'vitest';
 * const endpoint = inject('kinesisEndpoint');
 * ```
 *
 * Every test file shares the emulator, so give streams unique names (e.g. with a random suffix).
 */
import type { TestProject } from 'vitest/node';
import { startKinesisMock } from '../kinesis/kinesis-mock.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Endpoint of the project's kinesis-mock, e.g. `http://127.0.0.1:41234`. */
    kinesisEndpoint: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const mock = await startKinesisMock();
  project.provide('kinesisEndpoint', mock.endpoint);
  return () => mock.stop();
}
