/**
 * The name of a stream's checkpoint file, from its ARN. Existing checkpoint files must still be found
 * after any change to how the ARN is read: the table below was taken from the code as it was before
 * it used core's ARN parser (a regex of its own), odd ARNs that do not parse included, and the
 * property compares with that regex over many more inputs.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkpointFileName } from '../src/checkpoint/file-name.js';
import { FileCheckpointStore } from '../src/index.js';

const LONG_NAME = 'x'.repeat(200);
const LONG_TEXT = `not-an-arn-${'y'.repeat(200)}`;

/** ARN → file name, as the code before the change gave them. */
const NAMES: ReadonlyArray<readonly [string, string]> = [
  [
    'arn:aws:kinesis:us-east-1:999900009999:stream/kds-sharing-example1',
    'us-east-1.999900009999.kds-sharing-example1.817a7aea581efaab.json',
  ],
  ['arn:aws-cn:kinesis:cn-north-1:123456789012:stream/orders', 'cn-north-1.123456789012.orders.484b6b8057d2df12.json'],
  [
    'arn:aws-us-gov:kinesis:us-gov-west-1:123456789012:stream/Orders_2024.v1-x',
    'us-gov-west-1.123456789012.Orders_2024.v1-x.ff95a6ffa3741ed7.json',
  ],
  [
    'arn:aws:kinesis:eu-west-1:123456789012:stream/my.stream/consumer/app:1700000000',
    'eu-west-1.123456789012.my.stream_consumer_app_1700000000.f30ebe0d0dfeab4c.json',
  ],
  // Odd ARNs: no region or account, an account that is not digits, an empty partition, another service.
  ['arn:aws:kinesis:::stream/no-region-no-account', '_no-region-no-account.50e1c082958d732c.json'],
  [
    'arn:aws:kinesis:us-east-1:12ab:stream/account-not-digits',
    'arn_aws_kinesis_us-east-1_12ab_stream_account-not-digits.e70bb2b83b2b5ca8.json',
  ],
  [
    'arn:aws:kinesis:us-east-1:١٢٣:stream/arabic-indic-digits',
    'arn_aws_kinesis_us-east-1_stream_arabic-indic-digits.a3e2c7a930893732.json',
  ],
  [
    'arn::kinesis:us-east-1:123456789012:stream/empty-partition',
    'arn_kinesis_us-east-1_123456789012_stream_empty-partition.982e7271bae4f769.json',
  ],
  [
    'arn:aws:firehose:us-east-1:123456789012:deliverystream/not-kinesis',
    'arn_aws_firehose_us-east-1_123456789012_deliverystream_not-kinesis.8c5831955a9b89d0.json',
  ],
  // Resources: empty stream name, not `stream/`, colons and slashes in the name.
  [
    'arn:aws:kinesis:us-east-1:123456789012:stream/',
    'arn_aws_kinesis_us-east-1_123456789012_stream_.8e9cfde867368f58.json',
  ],
  [
    'arn:aws:kinesis:us-east-1:123456789012:streams/plural',
    'arn_aws_kinesis_us-east-1_123456789012_streams_plural.4309fdb0a4433241.json',
  ],
  ['arn:aws:kinesis:us-east-1:123456789012:stream/a:b:c', 'us-east-1.123456789012.a_b_c.7315b5db8fdb9f07.json'],
  [
    'arn:aws:kinesis:us-east-1:123456789012:stream/../../etc/passwd',
    'us-east-1.123456789012..._.._etc_passwd.1712af1f4b15f7c3.json',
  ],
  // Line terminators: in the stream name the ARN was not read (the whole ARN makes the name);
  // elsewhere it was.
  [
    'arn:aws:kinesis:us-east-1:123456789012:stream/line\nbreak',
    'arn_aws_kinesis_us-east-1_123456789012_stream_line_break.5d91b4eef8e3d70c.json',
  ],
  [
    'arn:aws:kinesis:us-east-1:123456789012:stream/trailing-newline\n',
    'arn_aws_kinesis_us-east-1_123456789012_stream_trailing-newline_.7b67d1821886ab37.json',
  ],
  [
    'arn:aws:kinesis:us-east-1:123456789012:stream/para\u2029sep',
    'arn_aws_kinesis_us-east-1_123456789012_stream_para_sep.2e1e9ff0148626b4.json',
  ],
  [
    'arn:aws:kinesis:us-east\n-1:123456789012:stream/newline-in-region',
    'us-east_-1.123456789012.newline-in-region.7cb356aa08ac75c4.json',
  ],
  [
    'arn:aws\n:kinesis:us-east-1:123456789012:stream/newline-in-partition',
    'us-east-1.123456789012.newline-in-partition.6b319e61029f47c4.json',
  ],
  // Characters outside A-Z a-z 0-9 . _ -, leading dots, names of Object.prototype.
  [
    'arn:aws:kinesis:us-east-1:123456789012:stream/spaces and ünïcödé ✓',
    'us-east-1.123456789012.spaces_and_n_c_d_.619fb1758ebf72a6.json',
  ],
  ['arn:aws:kinesis:us-east-1:123456789012:stream/__proto__', 'us-east-1.123456789012.__proto__.c4587eeb12182ec1.json'],
  ['arn:aws:kinesis:..:123456789012:stream/dots-region', '_123456789012.dots-region.f557cd4ce918b64c.json'],
  ['arn:aws:kinesis::123456789012:stream/...', '_123456789012.....69001eb9ef500c23.json'],
  // Not ARNs: too few fields, another case, a leading space, plain names.
  ['arn:aws:kinesis:us-east-1', 'arn_aws_kinesis_us-east-1.4fecd637d4972396.json'],
  ['arn:aws:kinesis:us-east-1:123456789012', 'arn_aws_kinesis_us-east-1_123456789012.5ab95c553f093661.json'],
  [
    'ARN:aws:kinesis:us-east-1:123456789012:stream/upper-case-prefix',
    'ARN_aws_kinesis_us-east-1_123456789012_stream_upper-case-prefix.29df9163ae588782.json',
  ],
  [
    ' arn:aws:kinesis:us-east-1:123456789012:stream/leading-space',
    '_arn_aws_kinesis_us-east-1_123456789012_stream_leading-space.c7fd4a9604bb88d9.json',
  ],
  ['...hidden', '_hidden.d54dd75d3c00860b.json'],
  ['my-stream', 'my-stream.efdcb60a0ea7293e.json'],
  ['', '.e3b0c44298fc1c14.json'],
  [':', '_.e7ac0786668e0ff0.json'],
  ['arn:', 'arn_.0dbee398a273461c.json'],
  ['C:\\streams\\windows', 'C_streams_windows.b0787459f390c849.json'],
  // The readable part is cut at 160 characters.
  [
    `arn:aws:kinesis:us-east-1:123456789012:stream/${LONG_NAME}`,
    `us-east-1.123456789012.${'x'.repeat(137)}.4017d0897278821e.json`,
  ],
  [LONG_TEXT, `${LONG_TEXT.slice(0, 160)}.3bc37bd97eff495b.json`],
];

/** The code before the change: its own regex for a stream ARN. The oracle of the property below. */
function nameBefore(streamArn: string, hash: string): string {
  const match = /^arn:[^:]+:kinesis:([^:]*):(\d*):stream\/(.+)$/.exec(streamArn);
  const readable = match ? `${match[1]}.${match[2]}.${match[3]}` : streamArn;
  const safe = readable
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[.]+/, '_')
    .slice(0, 160);
  return `${safe}.${hash}.json`;
}

/** The hash part of a file name (16 hex digits before `.json`). */
const hashOf = (name: string): string => name.slice(-21, -5);

describe('checkpointFileName', () => {
  it.each(NAMES)('%j → %s (as before)', (arn, name) => {
    expect(checkpointFileName(arn)).toBe(name);
  });

  it('property: the same name as the regex it replaced, for ARN-like text of every shape', () => {
    const piece = fc.oneof(
      fc.constantFrom(
        'arn',
        'arn:',
        ':',
        'aws',
        'aws-cn',
        'kinesis',
        'iam',
        'stream/',
        'stream',
        '/',
        'us-east-1',
        '999900009999',
        '12',
        '',
        '.',
        '..',
        '\n',
        '\r',
        '\u2028',
        '\u2029',
        ' ',
        'é',
        '١',
        '__proto__',
        'consumer/',
      ),
      fc.string({ maxLength: 6 }),
      fc.string({ unit: 'grapheme', maxLength: 3 }),
    );
    const arnLike = fc.oneof(
      fc.array(piece, { maxLength: 14 }).map((parts) => parts.join('')),
      fc
        .tuple(piece, piece, piece, piece, piece)
        .map(([partition, region, account, name, tail]) =>
          [`arn:${partition}`, 'kinesis', region, account, `stream/${name}${tail}`].join(':'),
        ),
      fc.string({ maxLength: 300 }),
    );
    fc.assert(
      fc.property(arnLike, (arn) => {
        const name = checkpointFileName(arn);
        expect(name).toBe(nameBefore(arn, hashOf(name)));
      }),
      { numRuns: 3000 },
    );
  });

  it('a store reads the checkpoint files an earlier version wrote under those names', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'streamshare-file-name-'));
    try {
      for (const [arn, name] of NAMES.slice(0, 12)) {
        const shards = { 'shardId-000000000000': { sequenceNumber: '42', subSequenceNumber: 0, complete: true } };
        await writeFile(join(dir, name), JSON.stringify({ version: 1, streamArn: arn, shards }));
      }
      const store = new FileCheckpointStore({ directory: dir });
      for (const [arn] of NAMES.slice(0, 12)) {
        expect(await store.get(arn, 'shardId-000000000000'), arn).toEqual({
          sequenceNumber: '42',
          subSequenceNumber: 0,
          complete: true,
        });
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
