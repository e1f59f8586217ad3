// Staging into the user's index: symlinks with their stat data, pointer blobs without.

import type { Annex } from '../annex/annex.js';
import type { Key } from '../annex/key.js';
import { formatPointer } from '../annex/pointer.js';
import { updateIndexInfo } from '../git/update-index.js';
import { NO_FILTER } from './add.js';

/** Stages work-tree paths (symlinks, plain files) as they are, with stat data: `git update-index --add`. */
export async function stagePaths(annex: Annex, paths: readonly string[]): Promise<void> {
  if (paths.length === 0) return;
  await annex.git.run([...NO_FILTER, 'update-index', '--add', '--remove', '-z', '--stdin'], { input: paths.join('\0') + '\0' });
}

/** Stages pointer files for unlocked annexed files (blob `/annex/objects/KEY\n`). */
export async function stagePointers(annex: Annex, entries: ReadonlyArray<{ path: string; key: Key; executable: boolean }>): Promise<void> {
  if (entries.length === 0) return;
  const unique = new Map<string, string>();
  for (const e of entries) unique.set(formatPointer(e.key), '');
  for (const pointer of unique.keys()) unique.set(pointer, await annex.git.hashObject(pointer, { write: true }));
  await updateIndexInfo({
    cwd: annex.workTree ?? annex.git.repo.gitDir,
    entries: entries.map((e) => ({ mode: e.executable ? '100755' : '100644', sha: unique.get(formatPointer(e.key)) ?? '', path: e.path })),
  });
}
