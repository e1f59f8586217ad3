// Checking a remote's whole inventory against the location log and repairing the log: the self-stabilising repair behind fsck --fast --from and the assistant's contact checks.

import type { Annex } from '../annex/annex.js';
import { formatKey, requireKey } from '../annex/key.js';
import { keyFromLogPath } from '../annex/locations.js';
import { currentlyPresent, parsePresenceLog } from '../annex/logs/presence.js';
import { KeyIndex } from '../reconcile/key-index.js';
import { KeySummary } from '../reconcile/summary.js';
import type { Remote } from '../remotes/remote.js';
import { describeError } from '../util/errors.js';
import { recordLocation, type ContentSession } from './session.js';

/** One location-log entry the check found wrong. */
export interface InventoryFix {
  readonly key: string;
  /** What the remote really has: true, the log lacked it; false, the log listed content that is gone. */
  readonly present: boolean;
  /** Whether the log was changed (false: report only, a read-only repository). */
  readonly fixed: boolean;
}

/** What one inventory check found and cost. */
export interface InventoryReport {
  readonly remote: string;
  /** Coded symbols over the wire (`git arbor serve`), or a listing of a store read here. */
  readonly method: 'reconciled' | 'listed';
  /** Bytes exchanged with the remote. */
  readonly bytes: number;
  /** Keys the location log said the remote held, before the check. */
  readonly logged: number;
  /** Keys the remote holds. */
  readonly remoteKeys: number;
  readonly fixes: readonly InventoryFix[];
  /** Claims that a second look (CHECKPRESENT) did not confirm: left alone (an object came or went meanwhile). */
  readonly unconfirmed: number;
}

/** The keys the location log says `uuid` holds, and every key the branch has a location log for. */
export async function loggedInventory(annex: Annex, uuid: string): Promise<{ expected: KeySummary; known: KeyIndex }> {
  const paths = (await annex.branch.listFiles()).filter((p) => keyFromLogPath(p)?.suffix === '.log');
  const texts = await annex.branch.readMany(paths);
  const expected = new KeySummary();
  const all: string[] = [];
  for (const p of paths) {
    const parsed = keyFromLogPath(p);
    if (!parsed) continue;
    const key = formatKey(parsed.key);
    all.push(key);
    const text = texts.get(p);
    if (text !== undefined && currentlyPresent(parsePresenceLog(text)).includes(uuid)) expected.add(key);
  }
  return { expected, known: KeyIndex.of(all) };
}

/**
 * Finds where the location log is wrong about `remote` (uuid `uuid`) and, with `repair`, corrects
 * it in the git-annex branch as git-annex would (a presence line per key; the caller commits).
 * Nothing is recorded on the strength of the difference alone: each key it names is asked about
 * once more (CHECKPRESENT) and only a confirmed answer changes the log. Undefined when the remote
 * cannot check its inventory as a whole (the caller checks key by key). A failed reconciliation
 * (a peer that answers nonsense, a difference beyond the summary) throws, recording nothing.
 */
export async function checkInventory(session: ContentSession, remote: Remote, uuid: string, options: { repair: boolean }): Promise<InventoryReport | undefined> {
  if (!remote.inventoryDifference) return undefined;
  const { expected, known } = await loggedInventory(session.annex, uuid);
  const diff = await remote.inventoryDifference(expected, known);
  if (!diff) return undefined;
  const fixes: InventoryFix[] = [];
  let unconfirmed = 0;
  const confirm = async (text: string, present: boolean): Promise<void> => {
    const key = requireKey(text);
    const there = await remote.checkPresent(key).catch(() => undefined);
    if (there !== present) {
      unconfirmed++;
      return;
    }
    if (options.repair) await recordLocation(session, key, uuid, present);
    fixes.push({ key: text, present, fixed: options.repair });
  };
  for (const key of diff.missing) await confirm(key, false);
  for (const key of diff.extra) await confirm(key, true);
  return { remote: remote.name, method: diff.method, bytes: diff.bytes, logged: expected.size, remoteKeys: diff.remoteKeys, fixes, unconfirmed };
}

/** One line that says what a check found: "inventory of R: 1,000 keys, 2 wrong entries fixed, 312 bytes exchanged". */
export function describeInventory(r: InventoryReport): string {
  const wrong = r.fixes.length;
  const fixed = r.fixes.filter((f) => f.fixed).length;
  const how = r.method === 'reconciled' ? `${r.bytes.toLocaleString('en-US')} bytes exchanged` : 'listed here';
  const result = wrong === 0 ? 'the location log is right' : `${wrong} wrong entr${wrong === 1 ? 'y' : 'ies'}${fixed === wrong ? ' fixed' : fixed === 0 ? ' (not fixed)' : `, ${fixed} fixed`}`;
  const skipped = r.unconfirmed ? `; ${r.unconfirmed} changed during the check, left alone` : '';
  return `inventory of ${r.remote}: ${r.remoteKeys.toLocaleString('en-US')} keys there, ${result} (${how})${skipped}`;
}

/** Why an inventory check failed, in one line. */
export function inventoryFailure(remote: Remote, err: unknown): string {
  return `could not check the inventory of ${remote.name} as a whole (${describeError(err)}); checking file by file`;
}
