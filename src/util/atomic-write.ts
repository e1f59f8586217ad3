// Atomic file writes: temp file in the same directory, fsync, rename, fsync the directory.

import { open, rename, rm } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** Options for writeFileAtomic. */
export interface AtomicWriteOptions {
  /** File mode of the result (default 0o644). */
  readonly mode?: number;
  /**
   * Directory for the temp file (same filesystem as `path`). Default: beside `path`. Use it when
   * readers list the target directory (git-annex's journal must never show a half-written entry).
   */
  readonly tmpDir?: string;
}

/**
 * Writes `data` to `path` so that a reader (or a crash) sees either the old file or the whole new
 * one, never a part: the bytes go to a temp file beside it, which is fsynced and renamed over.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const tmp = join(options.tmpDir ?? dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(tmp, 'wx', options.mode ?? 0o644);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (err) {
    await handle.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  try {
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  await fsyncDir(dirname(path));
}

/** fsyncs a directory so a rename inside it is durable. Errors are ignored (some filesystems refuse). */
export async function fsyncDir(dir: string): Promise<void> {
  try {
    const h = await open(dir, 'r');
    try {
      await h.sync();
    } finally {
      await h.close();
    }
  } catch {
    // vfat and some network filesystems cannot fsync a directory; the rename is still atomic.
  }
}
