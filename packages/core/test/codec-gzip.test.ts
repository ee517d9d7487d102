import { deflateSync, gzipSync } from 'node:zlib';
import { DecodeError, schema } from '@streamshare/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { bytes } from '../src/codec/bytes.js';
import { decodeRecord } from '../src/codec/decode-record.js';
import { gunzip, gzip, gzipBytes, gzipText } from '../src/codec/gzip.js';
import { kinesisRecord } from './fixtures/kpl.js';

function fails(data: Uint8Array, codec: Parameters<typeof decodeRecord>[1], message: RegExp) {
  let caught: unknown;
  try {
    decodeRecord(kinesisRecord(data), codec);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(DecodeError);
  expect((caught as Error).message).toMatch(message);
  return caught as DecodeError;
}

describe('gzip codecs', () => {
  it('unpacks gzip and zlib, then JSON', () => {
    expect(decodeRecord(kinesisRecord(gzipSync('{"a":[1,2]}')), gzip)).toMatchObject({ data: { a: [1, 2] } });
    expect(decodeRecord(kinesisRecord(deflateSync('{"z":true}')), gzip)).toMatchObject({ data: { z: true } });
  });

  it('unpacks concatenated gzip members', () => {
    const data = Buffer.concat([gzipSync('{"a":'), gzipSync('1}')]);
    expect(decodeRecord(kinesisRecord(data), gzip)).toMatchObject({ data: { a: 1 } });
  });

  it('gives bytes or text on request', () => {
    const bytes = Uint8Array.of(1, 2, 3, 250);
    expect((decodeRecord(kinesisRecord(gzipSync(bytes)), gzipBytes) as { data: Uint8Array }).data).toEqual(bytes);
    expect(decodeRecord(kinesisRecord(gzipSync('héllo')), gzipText)).toMatchObject({ data: 'héllo' });
    expect(gzipBytes.name).toBe('gzip+bytes');
  });

  it('composes with schema', () => {
    const codec = gunzip(schema(z.object({ n: z.number() })));
    expect(decodeRecord(kinesisRecord(gzipSync('{"n":1}')), codec)).toMatchObject({ data: { n: 1 } });
    fails(gzipSync('{"n":"1"}'), codec, /\$\.n: /);
  });

  it('refuses data that is not compressed', () => {
    const error = fails(
      new TextEncoder().encode('{"a":1}'),
      gzip,
      /not gzip or zlib data \(first bytes: 7b 22 61 22\)/,
    );
    expect(error.codec).toBe('gzip');
    fails(new Uint8Array(), gzip, /the data is empty/);
  });

  it('refuses a truncated gzip', () => {
    const whole = gzipSync(JSON.stringify({ text: 'x'.repeat(1000) }));
    fails(whole.subarray(0, whole.length - 8), gzip, /gzip codec could not decode .*(unexpected end|Unexpected end)/i);
  });

  it('refuses corrupt deflate data', () => {
    const data = Buffer.from(deflateSync('hello'));
    data[4]! ^= 0xff;
    fails(data, gzip, /gzip codec could not decode/);
  });

  it('refuses gzip of something that is not JSON or not UTF-8', () => {
    fails(gzipSync('not json'), gzip, /not JSON/);
    fails(gzipSync(Uint8Array.of(0xff)), gzipText, /not valid UTF-8/);
  });

  it('refuses output above maxOutputLength', () => {
    const codec = gunzip(bytes, { maxOutputLength: 100 });
    expect(decodeRecord(kinesisRecord(gzipSync(Buffer.alloc(100))), codec)).toMatchObject({
      data: new Uint8Array(100),
    });
    fails(gzipSync(Buffer.alloc(101)), codec, /gzip\+bytes codec could not decode .*(buffer|length)/i);
  });
});
