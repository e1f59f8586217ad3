// Writing many small blobs into one pack (`git fast-import`) instead of one loose object file each.

import type { Git } from './git.js';

/** Below this many blobs, git writing loose objects itself costs less than another process. */
export const PACKED_BLOBS_FROM = 64;

/**
 * Writes `contents` as blobs into one new pack through `git fast-import` (blobs only: no commit,
 * no ref). A command that stages many symlinks (`update-index --add`) then finds each blob present
 * and writes no loose object: for 1,000 annex links, one pack instead of 1,000 files in 256
 * directories. Best effort: when fast-import fails, git writes the objects itself as before, so
 * this never fails the caller.
 */
export async function writeBlobsPacked(git: Git, contents: readonly string[]): Promise<void> {
  const unique = [...new Set(contents)];
  if (unique.length < PACKED_BLOBS_FROM) return;
  const parts: Buffer[] = [];
  for (const text of unique) {
    const body = Buffer.from(text);
    parts.push(Buffer.from(`blob\ndata ${body.length}\n`), body, Buffer.from('\n'));
  }
  parts.push(Buffer.from('done\n'));
  // A larger malloc top pad: fast-import grows its heap in many small steps, and brk is dear in VMs.
  await git.tryRun(['fast-import', '--quiet', '--done'], { input: Buffer.concat(parts), env: { MALLOC_TOP_PAD_: String(64 << 20) } }).catch(() => undefined);
}
