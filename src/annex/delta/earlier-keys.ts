// The keys a file had in earlier commits: the candidates for the old version a delta transfer builds on.

import type { Git } from '../../git/git.js';
import { formatKey, type Key } from '../key.js';
import { parsePointer } from '../pointer.js';

/** How many commits that changed the file are looked at (newest first). */
const DEFAULT_LIMIT = 8;

const ZERO_SHA = /^0+$/;

/**
 * The keys `path` (relative to the work tree top) pointed to in the last commits that changed it,
 * newest first, without `except` (the new key itself) and without repeats. One `git log` and one
 * `git cat-file --batch`; a path git does not know gives []. Locked files are symlinks whose
 * target names the key, unlocked ones pointer files (git-annex's two representations).
 */
export async function earlierKeys(git: Git, path: string, except?: Key, limit = DEFAULT_LIMIT): Promise<Key[]> {
  const log = await git.tryRun(['log', `-n${limit}`, '--format=', '--raw', '--no-abbrev', '--no-renames', 'HEAD', '--', `:(top,literal)${path}`]);
  if (log.code !== 0) return [];
  const blobs: string[] = [];
  for (const line of log.stdout.toString('utf8').split('\n')) {
    // ":100644 100644 <old> <new> M\tpath": the new blob first (newer), then the old one.
    const m = /^:\d+ \d+ ([0-9a-f]+) ([0-9a-f]+) /.exec(line);
    if (!m) continue;
    for (const sha of [m[2], m[1]]) if (sha && !ZERO_SHA.test(sha) && !blobs.includes(sha)) blobs.push(sha);
  }
  if (blobs.length === 0) return [];
  const out = await git.tryRun(['cat-file', '--batch'], { input: blobs.map((b) => `${b}\n`).join('') });
  const keys: Key[] = [];
  const seen = new Set(except ? [formatKey(except)] : []);
  const buf = out.stdout;
  for (let pos = 0; pos < buf.length; ) {
    const nl = buf.indexOf(10, pos);
    if (nl < 0) break;
    const header = buf.toString('utf8', pos, nl).split(' ');
    const size = Number(header[2]);
    if (header[1] !== 'blob' || !Number.isFinite(size)) {
      pos = nl + 1;
      continue;
    }
    const content = buf.subarray(nl + 1, nl + 1 + size);
    pos = nl + 1 + size + 1;
    const key = parsePointer(content);
    if (!key) continue;
    const name = formatKey(key);
    if (seen.has(name)) continue;
    seen.add(name);
    keys.push(key);
  }
  return keys;
}
