/** The account id of an ARN (`arn:aws:kinesis:us-east-1:999900009999:stream/x` -> `999900009999`), if any. */
export function accountOfArn(arn: string | undefined): string | undefined {
  if (arn === undefined) return undefined;
  const parts = arn.split(':', 6);
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  const account = parts[4];
  return account !== undefined && /^\d{12}$/.test(account) ? account : undefined;
}

/** The region of an ARN (`arn:aws:kinesis:us-east-1:...` -> `us-east-1`), if any. */
export function regionOfArn(arn: string | undefined): string | undefined {
  if (arn === undefined) return undefined;
  const parts = arn.split(':', 6);
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  return parts[3] || undefined;
}
