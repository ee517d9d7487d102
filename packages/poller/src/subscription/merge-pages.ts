import { kinesisRecords } from '@streamshare/core';
import { payloadBytes } from '@streamshare/core/internal';
import type { SubscriptionPage } from './subscribe-shard.js';

/**
 * How far events already received are merged into one page (see {@link mergePages}): at most this
 * many records (GetRecords' own largest page)...
 */
export const MERGED_PAGE_MAX_RECORDS = 10_000;
/** ...and at most this many payload bytes (GetRecords' largest page; held in the memory budget once in hand). */
export const MERGED_PAGE_MAX_BYTES = 10 * 1024 * 1024;

/** The bounds of a merged page. */
export interface MergeBounds {
  readonly maxRecords: number;
  readonly maxBytes: number;
}

/** The defaults: {@link MERGED_PAGE_MAX_RECORDS}, {@link MERGED_PAGE_MAX_BYTES}. */
export const MERGE_BOUNDS: MergeBounds = { maxRecords: MERGED_PAGE_MAX_RECORDS, maxBytes: MERGED_PAGE_MAX_BYTES };

/** Records and payload bytes of a page. Pure. */
export function pageSize(page: SubscriptionPage): { readonly records: number; readonly bytes: number } {
  const records = page.records?.records;
  return records === undefined ? { records: 0, bytes: 0 } : { records: records.length, bytes: payloadBytes(records) };
}

/**
 * Whether `next` may be merged after `page`, of `size` (records, bytes), within `bounds`: both have
 * records (an event without records stays a page of its own: its continuation is what the reader
 * checkpoints for it), `page` is not the shard's last (no continuation), and the bounds hold (a page
 * alone may be larger). Pure.
 */
export function canMerge(
  page: SubscriptionPage,
  size: { readonly records: number; readonly bytes: number },
  next: SubscriptionPage,
  bounds: MergeBounds = MERGE_BOUNDS,
): boolean {
  if (page.continuation === undefined || page.records === undefined || next.records === undefined) return false;
  const more = pageSize(next);
  return size.records + more.records <= bounds.maxRecords && size.bytes + more.bytes <= bounds.maxBytes;
}

/**
 * Consecutive events of one subscription (in order, at least one) as one page: the records of all of
 * them in order (one batch, so one checkpoint for all), the first `resumeFrom` (only a subscription's
 * first page with records has one), the last event's continuation, lag and ChildShards. Pure.
 */
export function mergePages(pages: readonly SubscriptionPage[]): SubscriptionPage {
  const last = pages[pages.length - 1];
  if (last === undefined) throw new RangeError('mergePages: no page');
  if (pages.length === 1) return last;
  const withRecords = pages.filter((page) => page.records !== undefined);
  const first = withRecords[0]?.records;
  const records =
    first === undefined || withRecords.length === 1
      ? first
      : kinesisRecords(
          withRecords.flatMap((page) => page.records?.records ?? []),
          first,
        );
  return {
    records,
    resumeFrom: withRecords[0]?.resumeFrom,
    continuation: last.continuation,
    millisBehindLatest: last.millisBehindLatest,
    childShards: last.childShards,
  };
}
