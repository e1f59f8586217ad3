// How a remote's real inventory differs from what the location log says it holds: found by set reconciliation or by a local listing.

import type { KeySummary } from '../reconcile/summary.js';

/** The difference between what the log says a remote holds and what it holds. */
export interface InventoryDifference {
  /** Keys the log says the remote holds that it does not list (to confirm, then log absent). */
  readonly missing: readonly string[];
  /** Keys the remote holds that the log does not list there (to confirm, then log present). */
  readonly extra: readonly string[];
  /** How it was found: coded symbols over the wire, or a listing of a store this process can read. */
  readonly method: 'reconciled' | 'listed';
  /** Bytes exchanged with the remote (0 for a local listing). */
  readonly bytes: number;
  /** Keys the remote holds. */
  readonly remoteKeys: number;
}

/**
 * The difference between `expected` and the keys a listing yields: O(listing) time, no traffic.
 * Used for remotes whose store this process reads directly (a path, a drive).
 */
export async function differenceByListing(expected: KeySummary, listing: AsyncIterable<string>): Promise<InventoryDifference> {
  const extra: string[] = [];
  const listed = new Set<string>();
  for await (const key of listing) {
    listed.add(key);
    if (!expected.has(key)) extra.push(key);
  }
  const missing: string[] = [];
  for (const key of expected.keys()) if (!listed.has(key)) missing.push(key);
  return { missing, extra, method: 'listed', bytes: 0, remoteKeys: listed.size };
}
