// Which work-tree files are annexed, with their keys: read from git's index, not by hashing files.

import { lstat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { Annex } from '../annex/annex.js';
import type { Key } from '../annex/key.js';
import { keyFromLinkTarget, parsePointer } from '../annex/pointer.js';
import { ArborError, UsageError } from '../util/errors.js';

/** One annexed file in the index. */
export interface AnnexedFile {
  /** Path relative to the work tree top, "/" separated. */
  readonly path: string;
  readonly key: Key;
  /** Locked = a symlink into the object store; unlocked = a pointer in git, content in the work tree. */
  readonly locked: boolean;
  /** Git file mode in the index (120000, 100644, 100755). */
  readonly mode: string;
}

/** Pointer blobs are small; anything larger is an ordinary file kept in git. */
const MAX_POINTER_SIZE = 32 * 1024;

/** Paths given on the command line, relative to `cwd`, made relative to the work tree top. */
export function toTopRelative(workTree: string, cwd: string, paths: readonly string[]): string[] {
  return paths.map((p) => {
    const abs = isAbsolute(p) ? p : resolve(cwd, p);
    const rel = relative(workTree, abs);
    if (rel.startsWith('..') || isAbsolute(rel)) throw new UsageError(`${p} is outside the repository`);
    return rel === '' ? '.' : rel.split('\\').join('/');
  });
}

/** Parses `git ls-files -s -z` output. */
export function parseLsFilesStage(out: string): Array<{ mode: string; sha: string; path: string }> {
  const entries: Array<{ mode: string; sha: string; path: string }> = [];
  for (const rec of out.split('\0')) {
    if (!rec) continue;
    const tab = rec.indexOf('\t');
    const [mode = '', sha = '', stage = '0'] = rec.slice(0, tab).split(' ');
    if (stage !== '0') continue;
    entries.push({ mode, sha, path: rec.slice(tab + 1) });
  }
  return entries;
}

/**
 * The annexed files among `paths` (top-relative pathspecs; default the whole tree), from the
 * index: symlinks whose target names an annex object, and small blobs that are pointer files.
 * A path that matches nothing in git is an error, as in git-annex ("not found").
 */
export async function listAnnexedFiles(annex: Annex, paths: readonly string[] = [], options: { requireMatch?: boolean } = {}): Promise<AnnexedFile[]> {
  const workTree = annex.workTree;
  if (!workTree) throw new ArborError('EBARE', 'this command needs a work tree (the repository is bare)');
  const specs = paths.length ? paths.map((p) => `:(literal)${p}`) : [];
  const out = await annex.git.run(['ls-files', '-s', '-z', '--', ...specs]);
  const entries = parseLsFilesStage(out);
  if (paths.length && options.requireMatch !== false) {
    for (const p of paths) {
      if (p === '.') continue;
      if (!entries.some((e) => e.path === p || e.path.startsWith(`${p}/`))) {
        const exists = await lstat(join(workTree, p)).then(() => true, () => false);
        throw new UsageError(exists ? `${p} is not added to git (git arbor add ${p})` : `${p} not found`);
      }
    }
  }
  const candidates = entries.filter((e) => e.mode === '120000' || e.mode === '100644' || e.mode === '100755');
  const sizes = await blobSizes(annex, candidates.map((e) => e.sha));
  const files: AnnexedFile[] = [];
  const cat = annex.git.catFile();
  for (const e of candidates) {
    const size = sizes.get(e.sha) ?? Number.POSITIVE_INFINITY;
    if (size > MAX_POINTER_SIZE) continue;
    const blob = await cat.get(e.sha);
    if (!blob) continue;
    const key = e.mode === '120000' ? keyFromLinkTarget(blob.content.toString('utf8')) : parsePointer(blob.content);
    if (key) files.push({ path: e.path, key, locked: e.mode === '120000', mode: e.mode });
  }
  return files;
}

/** Sizes of many blobs with one `git cat-file --batch-check`. */
async function blobSizes(annex: Annex, shas: readonly string[]): Promise<Map<string, number>> {
  const unique = [...new Set(shas)];
  const sizes = new Map<string, number>();
  if (unique.length === 0) return sizes;
  const out = await annex.git.run(['cat-file', '--batch-check=%(objectname) %(objectsize)'], { input: unique.join('\n') + '\n' });
  for (const line of out.split('\n')) {
    const [sha, size] = line.split(' ');
    if (sha && size) sizes.set(sha, Number(size));
  }
  return sizes;
}
