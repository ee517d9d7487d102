import { isAccountId, splitArn } from '@streamshare/core/internal';

/** What an ARN names, as far as policies care. */
export type ArnKind =
  | 'iam-role'
  | 'iam-user'
  | 'account-root'
  | 'assumed-role'
  | 'lambda-function'
  | 'kinesis-stream'
  | 'kinesis-consumer'
  | 'event-bus'
  | 'account-id'
  | 'other';

/** Classifies an ARN (or a bare 12-digit account id) by what it names. */
export function arnKind(value: string): ArnKind {
  if (isAccountId(value)) return 'account-id';
  // Split leniently: policy resources and principals may be patterns (wildcards) the strict parsers refuse.
  const fields = splitArn(value);
  if (fields === undefined) return 'other';
  const { service, resource } = fields;
  if (service === 'iam') {
    if (resource === 'root') return 'account-root';
    if (resource.startsWith('role/')) return 'iam-role';
    if (resource.startsWith('user/')) return 'iam-user';
  }
  if (service === 'sts' && resource.startsWith('assumed-role/')) return 'assumed-role';
  if (service === 'lambda' && resource.startsWith('function:')) return 'lambda-function';
  if (service === 'kinesis' && resource.startsWith('stream/')) {
    return resource.includes('/consumer/') ? 'kinesis-consumer' : 'kinesis-stream';
  }
  if (service === 'events' && resource.startsWith('event-bus/')) return 'event-bus';
  return 'other';
}
