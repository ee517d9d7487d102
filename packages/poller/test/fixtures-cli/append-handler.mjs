// `--handler append-handler.mjs`: a plain record handler (default export).
import { append } from './append.mjs';

export default async function handle(record) {
  await append(record, 'record');
}
