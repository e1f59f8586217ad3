// Writing and applying patch files: the difference between two versions of an annexed file, carried on a drive between copies that never meet.

import { rm } from 'node:fs/promises';
import { earlierKeys } from '../annex/delta/earlier-keys.js';
import { formatKey, parseKey, sameKey, type Key } from '../annex/key.js';
import { deltaCapable } from '../remotes/delta-server.js';
import { PatchError } from '../remotes/delta-patch-file.js';
import { readPatchHeader, replayPatch, writePatch, type WritePatchResult } from '../remotes/delta-patch.js';
import { listAnnexedFiles } from './annexed-files.js';
import { recordLocation, type ContentSession } from './session.js';
import { populateUnlocked } from './worktree.js';

/** A version named on the command line: a key, or an annexed file (its key in the index). */
async function keyOf(session: ContentSession, what: string): Promise<Key> {
  const key = parseKey(what);
  if (key) return key;
  const [file] = await listAnnexedFiles(session.annex, [what]);
  if (!file) throw new PatchError('EPATCHARGS', `${what} is neither a key nor an annexed file`);
  return file.key;
}

/** The object for `key` here, checked against its key; `role` names it in errors ("old", "new"). */
async function verifiedObject(session: ContentSession, key: Key, role: string): Promise<string> {
  const path = await session.annex.store.pathOf(key);
  if (!path) throw new PatchError('EPATCHNOBASIS', `the ${role} version ${formatKey(key)} is not present here`, { key: formatKey(key) });
  if (!(await session.annex.store.verify(key))) throw new PatchError('EPATCHCORRUPT', `the ${role} version ${formatKey(key)} here is corrupt (git arbor fsck)`, { key: formatKey(key) });
  if (!deltaCapable(key)) throw new PatchError('EPATCHBACKEND', `${formatKey(key)} names no hash (backend ${key.backend}): a patch could not be checked`);
  return path;
}

/** What `writeDeltaPatch` wrote. */
export interface WrittenPatch extends WritePatchResult {
  readonly oldKey: Key;
  readonly newKey: Key;
}

/**
 * Writes the patch from `from` to `to` (keys or annexed files) into `patchPath`. Without `from`,
 * the old version is the newest earlier key of the `to` file that is present here. Both objects
 * are checked against their keys first.
 */
export async function writeDeltaPatch(session: ContentSession, options: { from?: string; to: string; patchPath: string }): Promise<WrittenPatch> {
  const newKey = await keyOf(session, options.to);
  let oldKey: Key | undefined;
  if (options.from !== undefined) oldKey = await keyOf(session, options.from);
  else {
    for (const k of await earlierKeys(session.annex.git, options.to, newKey)) if (await session.annex.store.has(k)) (oldKey ??= k);
    if (!oldKey) throw new PatchError('EPATCHNOBASIS', `no earlier version of ${options.to} is present here (name one with --from)`);
  }
  if (sameKey(oldKey, newKey)) throw new PatchError('EPATCHARGS', 'the old and new versions are the same key');
  const oldPath = await verifiedObject(session, oldKey, 'old');
  const newPath = await verifiedObject(session, newKey, 'new');
  await session.annex.store.ensureTmpDir();
  const written = await writePatch({ oldKey, oldPath, newKey, newPath, patchPath: options.patchPath, scratchPath: await session.annex.store.uniqueTmpPath() });
  return { ...written, oldKey, newKey };
}

/** What applying a patch did. */
export interface AppliedPatch {
  readonly status: 'applied' | 'present';
  readonly oldKey: Key;
  readonly newKey: Key;
}

/**
 * Applies a patch file: checks it (header, end line, checksum), checks the old object here
 * against its key, rebuilds the new object, and places it only when it hashes to the new key
 * (atomically, fsynced), as a get would: location log updated, unlocked files populated.
 */
export async function applyDeltaPatch(session: ContentSession, patchPath: string): Promise<AppliedPatch> {
  const { annex } = session;
  const header = await readPatchHeader(patchPath);
  const { oldKey, newKey } = header;
  const present = await annex.store.has(newKey);
  if (!present) {
    const oldPath = await verifiedObject(session, oldKey, 'old');
    await annex.store.ensureTmpDir();
    const tmp = await annex.store.uniqueTmpPath();
    try {
      if (!(await replayPatch({ patchPath, header, oldPath, dest: tmp }))) {
        throw new PatchError('EPATCHVERIFY', `the rebuilt object does not match ${formatKey(newKey)}: nothing placed`, { key: formatKey(newKey) });
      }
      await annex.store.commitTemp(newKey, tmp);
    } finally {
      await rm(tmp, { force: true });
    }
    await recordLocation(session, newKey, annex.uuid, true);
  }
  for (const file of await listAnnexedFiles(annex)) {
    if (sameKey(file.key, newKey) && (await populateUnlocked(annex, file))) session.restage.add(file.path);
  }
  return { status: present ? 'present' : 'applied', oldKey, newKey };
}
