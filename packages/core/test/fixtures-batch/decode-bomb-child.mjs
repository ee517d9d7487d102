// Child process of adversarial-decode-bomb.test.ts, run under a small heap (--max-old-space-size):
// processBatch over the records of a manifest with the codec named there, then one JSON line with
// the result. Usage: node --max-old-space-size=256 decode-bomb-child.mjs <bundled core> <manifest>
import { readFileSync } from 'node:fs';

const [coreModule, manifestPath] = process.argv.slice(2);
const core = await import(coreModule);
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));

/** A Standard Schema validator that takes any value (the schema codec on top of gzip). */
const anything = { '~standard': { version: 1, vendor: 'test', validate: (value) => ({ value }) } };
const codecs = {
  gzip: 'gzip',
  auto: 'auto',
  json: 'json',
  'cloudwatch-logs': 'cloudwatch-logs',
  'schema-gzip': core.schema(anything, { from: 'gzip' }),
  'schema-json': core.schema(anything),
};

const records = manifest.records.map((entry, i) => ({
  streamArn: 'arn:aws:kinesis:us-east-1:999900009999:stream/kds-sharing-example1',
  shardId: 'shardId-000000000000',
  partitionKey: entry.name,
  sequenceNumber: String(49649683864473953433843496278632352517587667908684677122n + BigInt(i)),
  approximateArrivalTimestamp: new Date(1709100911667),
  data: new Uint8Array(readFileSync(entry.path)),
}));

const handled = [];
const deadLettered = [];
const errorOf = (error) => ({
  name: error?.name,
  code: error?.code,
  codec: error?.codec,
  message: error?.message,
  cause: { name: error?.cause?.name, code: error?.cause?.code, limit: error?.cause?.limit },
});
const started = performance.now();
const result = await core.processBatch(
  records,
  (record) => {
    handled.push(record.partitionKey);
  },
  {
    codec: codecs[manifest.codec],
    ...(manifest.deadLetter
      ? {
          deadLetter: async (record, error) => {
            deadLettered.push({ key: record.partitionKey, error: errorOf(error) });
          },
        }
      : {}),
  },
);
process.stdout.write(
  `${JSON.stringify({
    handled,
    deadLettered,
    failed: result.failed && {
      key: result.failed.record.partitionKey,
      reason: result.failed.reason,
      error: errorOf(result.failed.error),
    },
    checkpoint: result.checkpoint,
    succeeded: result.succeeded,
    ms: Math.round(performance.now() - started),
    maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  })}\n`,
);
