import type { Checkpoint } from '@streamshare/core';
import { parseIsoTime } from '../cli/values.js';

/**
 * The checkpoint `checkpoints set --to` names: `trim-horizon`, `latest`, an ISO-8601 time
 * (AT_TIMESTAMP: reading resumes at the first record written at or after it) or a sequence number
 * (every record up to and including it is done: reading resumes after it). A reason when the text
 * is none of these. Pure.
 */
export function parseSetTarget(text: string): { readonly checkpoint: Checkpoint } | { readonly reason: string } {
  const value = text.trim();
  const lower = value.toLowerCase();
  if (lower === 'trim-horizon' || lower === 'trim_horizon') return { checkpoint: { kind: 'TRIM_HORIZON' } };
  if (lower === 'latest') return { checkpoint: { kind: 'LATEST' } };
  if (/^\d{1,128}$/.test(value)) {
    return { checkpoint: { sequenceNumber: value, subSequenceNumber: 0, complete: true } };
  }
  const time = parseIsoTime(value);
  if ('time' in time) return { checkpoint: { kind: 'AT_TIMESTAMP', timestampMs: time.time.getTime() } };
  const why = time.reason === 'not an ISO-8601 time' ? '' : ` (${time.reason})`;
  return {
    reason: `${JSON.stringify(text)} is not trim-horizon, latest, an ISO-8601 time${why} or a sequence number (digits); e.g. 2024-02-28T06:15:00Z`,
  };
}
