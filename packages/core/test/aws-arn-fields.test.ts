import { arnAccountId, isAccountId, isRegion } from '@streamshare/core/internal';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

describe('the account and region checks of the ARN parser', () => {
  it('isAccountId: exactly 12 digits', () => {
    expect(isAccountId('999900009999')).toBe(true);
    for (const value of [
      '99990000999',
      '9999000099990',
      'ZZZZZZZZZZZZ',
      '*',
      '',
      ' 999900009999',
      999900009999,
      null,
    ]) {
      expect(isAccountId(value), String(value)).toBe(false);
    }
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^\d{11,13}$/)), (value) => {
        expect(isAccountId(value)).toBe(/^\d{12}$/.test(value));
      }),
    );
  });

  it('isRegion: the form of a region', () => {
    for (const value of ['us-east-1', 'ap-northeast-1', 'us-gov-west-1', 'cn-north-1'])
      expect(isRegion(value)).toBe(true);
    for (const value of ['us-east', 'US-EAST-1', 'useast1', '', '*', 'us-east-1 ', undefined, 1]) {
      expect(isRegion(value), String(value)).toBe(false);
    }
  });

  it('arnAccountId: the 12-digit account of an ARN, else undefined', () => {
    expect(arnAccountId('arn:aws:kinesis:us-east-1:999900009999:stream/x')).toBe('999900009999');
    expect(arnAccountId('arn:aws:iam::888800008888:role/r')).toBe('888800008888');
    // Placeholders of hand-made events, wildcards of policies, no account, not an ARN, not a string.
    const refused: unknown[] = [
      'arn:aws:kinesis:us-east-1:ZZZZZZZZZZZZ:stream/x',
      'arn:aws:kinesis:us-east-1:*:stream/x',
      'arn:aws:s3:::bucket',
      'arn:aws:kinesis:EXAMPLE',
      '999900009999',
      undefined,
      7,
    ];
    for (const value of refused) expect(arnAccountId(value as string), String(value)).toBeUndefined();
  });
});
