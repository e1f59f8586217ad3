// What a transfer of one file needs to try a delta: the keys the file had before, where this repository holds content, and a way to say a delta fell back.

import { earlierKeys } from '../annex/delta/earlier-keys.js';
import type { Key } from '../annex/key.js';
import type { DeltaHints } from '../remotes/remote.js';
import type { AnnexedFile } from './annexed-files.js';
import type { ContentSession } from './session.js';

/** Delta hints for `file`; the git history is read only if a remote asks (one that can do deltas). */
export function deltaHints(session: ContentSession, file: AnnexedFile): DeltaHints {
  let keys: Promise<readonly Key[]> | undefined;
  return {
    earlierKeys: () => (keys ??= earlierKeys(session.annex.git, file.path, file.key)),
    localPath: (key) => session.annex.store.pathOf(key),
    note: (message) => session.report({ level: 'warn', message }),
  };
}
