import { gzipSync } from 'node:zlib';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { DecodeError, SchemaValidationError, schema } from '@streamshare/core';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { decodeRecord } from '../src/codec/decode-record.js';
import { gzip } from '../src/codec/gzip.js';
import { kinesisRecord } from './fixtures/kpl.js';

const enc = new TextEncoder();
const Order = z.object({
  id: z.string(),
  amount: z.number().positive(),
  items: z.array(z.object({ sku: z.string() })),
});

describe('schema', () => {
  it('validates JSON with zod, synchronously, typed with the schema output', () => {
    const codec = schema(Order);
    const record = decodeRecord(kinesisRecord(enc.encode('{"id":"o1","amount":5,"items":[{"sku":"a"}]}')), codec);
    expect(record).not.toBeInstanceOf(Promise);
    expect(record).toMatchObject({ data: { id: 'o1', amount: 5, items: [{ sku: 'a' }] } });
    expectTypeOf(codec.decode).returns.toEqualTypeOf<z.infer<typeof Order> | Promise<z.infer<typeof Order>>>();
  });

  it('turns rejection into a DecodeError listing paths and messages', () => {
    let caught: unknown;
    try {
      decodeRecord(kinesisRecord(enc.encode('{"id":1,"amount":-1,"items":[{"sku":2}]}')), schema(Order));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DecodeError);
    const error = caught as DecodeError;
    expect(error.codec).toBe('schema');
    expect(error.message).toContain('$.id: ');
    expect(error.message).toContain('$.amount: ');
    expect(error.message).toContain('$.items[0].sku: ');
    expect(error.cause).toBeInstanceOf(SchemaValidationError);
    expect((error.cause as SchemaValidationError).issues).toHaveLength(3);
  });

  it('fails on data that is not JSON before validating', () => {
    expect(() => decodeRecord(kinesisRecord(enc.encode('Hello')), schema(Order))).toThrow(/schema codec .* not JSON/);
  });

  it('supports async validators', async () => {
    const Async = z.string().refine(async (s) => s.startsWith('ok'));
    const good = decodeRecord(kinesisRecord(enc.encode('"ok!"')), schema(Async));
    expect(good).toBeInstanceOf(Promise);
    await expect(good).resolves.toMatchObject({ data: 'ok!' });
    await expect(decodeRecord(kinesisRecord(enc.encode('"no"')), schema(Async))).rejects.toBeInstanceOf(DecodeError);
  });

  it('works with any Standard Schema implementation, and on top of another codec', () => {
    const even: StandardSchemaV1<unknown, number> = {
      '~standard': {
        version: 1,
        vendor: 'hand-made',
        validate: (value) =>
          typeof value === 'number' && value % 2 === 0
            ? { value }
            : { issues: [{ message: 'not even', path: [{ key: 'n' }] }] },
      },
    };
    const codec = schema(even, { from: gzip });
    expect(decodeRecord(kinesisRecord(gzipSync('4')), codec)).toMatchObject({ data: 4 });
    expect(() => decodeRecord(kinesisRecord(gzipSync('3')), codec)).toThrow('$.n: not even');
    expect(() =>
      decodeRecord(
        kinesisRecord(gzipSync('3')),
        schema(
          { '~standard': { ...even['~standard'], validate: () => ({ issues: [{ message: 'root' }] }) } },
          { from: gzip },
        ),
      ),
    ).toThrow('$: root');
  });

  it('takes the codec under it by name, as every other codec option does', () => {
    const Order = z.object({ id: z.string() });
    expect(decodeRecord(kinesisRecord(gzipSync('{"id":"a"}')), schema(Order, { from: 'gzip' }))).toMatchObject({
      data: { id: 'a' },
    });
    expect(
      decodeRecord(kinesisRecord(new TextEncoder().encode('plain')), schema(z.string(), { from: 'text' })),
    ).toMatchObject({ data: 'plain' });
    expect(() => schema(Order, { from: 'yaml' as never })).toThrow(/unknown codec "yaml"/);
  });

  it('refuses something that is not a Standard Schema', () => {
    expect(() => schema({} as never)).toThrow(/does not implement Standard Schema/);
  });
});
