// Making directories inside a repository without ever making the repository itself.

import { mkdir } from 'node:fs/promises';
import { dirname, isAbsolute, relative } from 'node:path';
import { errnoCode } from './errors.js';

/**
 * Makes `dir` and any missing parents, but never `root` or anything above it: when `root` is
 * gone (a drive unmounted, a repository moved away while a transfer ran), this fails with ENOENT
 * instead of writing a fresh tree at the empty path, on the root filesystem, under an unmounted
 * drive's mount point. Returns the first directory it made, or undefined when `dir` existed (as
 * `mkdir(dir, { recursive: true })` does). One system call when the parent exists.
 */
export async function mkdirUnder(root: string, dir: string): Promise<string | undefined> {
  const rel = relative(root, dir);
  if (rel === '') return undefined;
  if (rel.startsWith('..') || isAbsolute(rel)) throw new Error(`${dir} is not inside ${root}`);
  try {
    await mkdir(dir);
    return dir;
  } catch (err) {
    if (errnoCode(err) === 'EEXIST') return undefined;
    // Directly under `root` and ENOENT: `root` is gone, and is not made afresh.
    if (errnoCode(err) !== 'ENOENT' || dirname(dir) === root) throw err;
  }
  // A parent is missing: made first, upwards only as far as needed (an object's hash directories
  // mostly exist but for the newest level), then this one.
  const first = await mkdirUnder(root, dirname(dir));
  try {
    await mkdir(dir);
    return first ?? dir;
  } catch (err) {
    if (errnoCode(err) === 'EEXIST') return first;
    throw err;
  }
}
