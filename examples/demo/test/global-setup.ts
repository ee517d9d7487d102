import { ensureBuilt } from '../ensure-built.mjs';

/** Builds the packages the demo imports when their dist/ is missing or stale (nothing after `npm run build`). */
export default async function setup(): Promise<void> {
  await ensureBuilt();
}
