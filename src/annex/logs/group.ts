// group.log IO: the groups each repository is in, `git annex group` (Logs/Group.hs over uuid-based.ts).

import type { AnnexBranch } from '../branch.js';
import type { VectorClock } from '../vector-clock.js';
import { GROUP_LOG } from './paths.js';
import { compareByteOrder } from './union-merge.js';
import { parseUuidLog, setUuidLogValue } from './uuid-based.js';

/**
 * The groups in a group.log value: whitespace-separated words, duplicates dropped. git-annex
 * splits the same way, so a group "a b" written by `git annex group` reads back as "a" and "b".
 */
export function parseGroups(value: string): Set<string> {
  return new Set(value.split(/\s+/).filter((g) => g !== ''));
}

/** Formats groups as git-annex writes them: byte-sorted, one space apart (verified: `alpha zeta`). */
export function formatGroups(groups: Iterable<string>): string {
  return [...new Set(groups)].sort(compareByteOrder).join(' ');
}

/** Whether `name` can be stored as one group (non-empty, no whitespace). */
export function isValidGroupName(name: string): boolean {
  return /^\S+$/.test(name);
}

/** Every repository's groups (repositories with an entry; an empty set when all were removed). */
export function parseGroupLog(text: string): Map<string, Set<string>> {
  return new Map([...parseUuidLog(text)].map(([uuid, e]) => [uuid, parseGroups(e.value)]));
}

/** The repositories in `group`, byte-sorted. */
export function membersOf(groups: ReadonlyMap<string, ReadonlySet<string>>, group: string): string[] {
  return [...groups].filter(([, gs]) => gs.has(group)).map(([uuid]) => uuid).sort(compareByteOrder);
}

/** Reads group.log. */
export async function repositoryGroups(branch: AnnexBranch): Promise<Map<string, Set<string>>> {
  return parseGroupLog((await branch.read(GROUP_LOG)) ?? '');
}

/**
 * Changes one repository's groups: `fn` gets the current set (a copy) and returns the new one.
 * Nothing is written when the set is unchanged. Returns whether the log changed.
 */
export async function changeRepositoryGroups(
  branch: AnnexBranch,
  change: { readonly uuid: string; readonly now: VectorClock; readonly fn: (groups: Set<string>) => Iterable<string> },
): Promise<boolean> {
  return branch.change(GROUP_LOG, (current) => {
    const before = parseGroupLog(current ?? '').get(change.uuid) ?? new Set<string>();
    const after = formatGroups(change.fn(new Set(before)));
    if (after === formatGroups(before)) return undefined;
    return setUuidLogValue(current ?? '', { uuid: change.uuid, value: after, now: change.now });
  });
}

/** Adds a repository to a group (`git annex group <repo> <group>`). */
export function addToGroup(branch: AnnexBranch, change: { readonly uuid: string; readonly group: string; readonly now: VectorClock }): Promise<boolean> {
  return changeRepositoryGroups(branch, { uuid: change.uuid, now: change.now, fn: (gs) => gs.add(change.group) });
}

/** Removes a repository from a group (`git annex ungroup <repo> <group>`). */
export function removeFromGroup(branch: AnnexBranch, change: { readonly uuid: string; readonly group: string; readonly now: VectorClock }): Promise<boolean> {
  return changeRepositoryGroups(branch, {
    uuid: change.uuid,
    now: change.now,
    fn: (gs) => {
      gs.delete(change.group);
      return gs;
    },
  });
}
