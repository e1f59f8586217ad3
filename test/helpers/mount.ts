// Small real filesystems for tests that need a full disk (tmpfs) — root only.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { onBeforeCleanup, tempDir } from './tmp.js';

const isRoot = process.getuid?.() === 0;

/** Skip option: tests that mount filesystems need root (CI runs as root). */
export const needsRoot: { skip: string | false } = { skip: isRoot ? false : 'needs root to mount a filesystem' };

const mounted: string[] = [];
onBeforeCleanup(() => {
  for (const m of mounted.reverse()) spawnSync('umount', ['-l', m]);
});

/** Mounts a tmpfs of `size` (e.g. "1m") on a fresh directory and returns it; unmounted at exit. */
export function mountTmpfs(size: string): string {
  const dir = join(tempDir('arbor-mnt-'), 'fs');
  mkdirSync(dir);
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`mount tmpfs failed: ${r.stderr}`);
  mounted.push(dir);
  return dir;
}

/**
 * Bind-mounts `source` read-only on a fresh directory and returns it (a mounted backup: every
 * write there fails with EROFS, even for root); unmounted at exit.
 */
export function bindMountReadOnly(source: string): string {
  const dir = join(tempDir('arbor-ro-'), 'mnt');
  mkdirSync(dir);
  for (const args of [['--bind', source, dir], ['-o', 'remount,bind,ro', dir]]) {
    const r = spawnSync('mount', args, { encoding: 'utf8' });
    if (r.status !== 0) {
      spawnSync('umount', ['-l', dir]);
      throw new Error(`mount ${args.join(' ')} failed: ${r.stderr}`);
    }
  }
  mounted.push(dir);
  return dir;
}
