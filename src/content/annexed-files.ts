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

/** One stage-0 index entry. */
interface IndexEntry {
  readonly mode: string;
  readonly sha: string;
  readonly path: string;
}

/** Parses one `git ls-files -s -z` record ("<mode> <sha> <stage>\t<path>"); undefined for other stages. */
function parseStageRecord(rec: string): IndexEntry | undefined {
  const tab = rec.indexOf('\t');
  if (tab < 0) return undefined;
  const [mode = '', sha = '', stage = '0'] = rec.slice(0, tab).split(' ');
  return stage === '0' ? { mode, sha, path: rec.slice(tab + 1) } : undefined;
}

/** Parses `git ls-files -s -z` output. */
export function parseLsFilesStage(out: string): IndexEntry[] {
  const entries: IndexEntry[] = [];
  for (const rec of out.split('\0')) {
    const e = rec ? parseStageRecord(rec) : undefined;
    if (e) entries.push(e);
  }
  return entries;
}

/** Index entries looked at together: bounds memory on a tree of any size, and batches git's reads. */
const CHUNK = 2000;

/**
 * The annexed files among `paths` (top-relative pathspecs; default the whole tree), from the
 * index: symlinks whose target names an annex object, and small blobs that are pointer files.
 * Yielded in chunks while the index is read, so a tree of any size is never held whole. A path
 * that matches nothing in git is an error, as in git-annex ("not found"), thrown after the
 * listing (so callers that act on chunks should list with `requireMatch: false`).
 */
export async function* annexedFileChunks(annex: Annex, paths: readonly string[] = [], options: { requireMatch?: boolean } = {}): AsyncGenerator<AnnexedFile[]> {
  const workTree = annex.workTree;
  if (!workTree) throw new ArborError('EBARE', 'this command needs a work tree (the repository is bare)');
  const specs = paths.length ? paths.map((p) => `:(literal)${p}`) : [];
  const unmatched = paths.length && options.requireMatch !== false ? new Set(paths.filter((p) => p !== '.')) : undefined;
  let chunk: IndexEntry[] = [];
  for await (const rec of annex.git.records(['ls-files', '-s', '-z', '--', ...specs])) {
    const e = parseStageRecord(rec);
    if (!e) continue;
    if (unmatched?.size) {
      for (const p of unmatched) if (e.path === p || e.path.startsWith(`${p}/`)) unmatched.delete(p);
    }
    if (e.mode === '120000' || e.mode === '100644' || e.mode === '100755') chunk.push(e);
    if (chunk.length >= CHUNK) {
      const files = await annexedAmong(annex, chunk);
      chunk = [];
      if (files.length) yield files;
    }
  }
  if (chunk.length) {
    const files = await annexedAmong(annex, chunk);
    if (files.length) yield files;
  }
  for (const p of paths) {
    if (!unmatched?.has(p)) continue;
    const exists = await lstat(join(workTree, p)).then(() => true, () => false);
    throw new UsageError(exists ? `${p} is not added to git (git arbor add ${p})` : `${p} not found`);
  }
}

/** All of annexedFileChunks at once, for listings known to be small or needed whole. */
export async function listAnnexedFiles(annex: Annex, paths: readonly string[] = [], options: { requireMatch?: boolean } = {}): Promise<AnnexedFile[]> {
  const files: AnnexedFile[] = [];
  for await (const chunk of annexedFileChunks(annex, paths, options)) files.push(...chunk);
  return files;
}

/** Above this many paths, one pass over the whole index filtered by path beats git matching every pathspec against every entry. */
const MAX_PATHSPECS = 1000;

/**
 * The annexed files at exactly these paths (files, not directories; missing ones are left out),
 * for many paths at once without hitting the argument-length limit.
 */
export async function annexedFilesAt(annex: Annex, paths: readonly string[]): Promise<AnnexedFile[]> {
  if (paths.length <= MAX_PATHSPECS) return listAnnexedFiles(annex, paths, { requireMatch: false });
  const wanted = new Set(paths);
  const files: AnnexedFile[] = [];
  for await (const chunk of annexedFileChunks(annex)) for (const f of chunk) if (wanted.has(f.path)) files.push(f);
  return files;
}

/** The annexed files among some index entries: their blobs' sizes, then the small ones read (pipelined). */
async function annexedAmong(annex: Annex, entries: readonly IndexEntry[]): Promise<AnnexedFile[]> {
  const sizes = await blobSizes(annex, entries.map((e) => e.sha));
  const small = entries.filter((e) => (sizes.get(e.sha) ?? Number.POSITIVE_INFINITY) <= MAX_POINTER_SIZE);
  const cat = annex.git.catFile();
  const blobs = await Promise.all(small.map((e) => cat.get(e.sha)));
  const files: AnnexedFile[] = [];
  small.forEach((e, i) => {
    const blob = blobs[i];
    if (!blob) return;
    const key = e.mode === '120000' ? keyFromLinkTarget(blob.content.toString('utf8')) : parsePointer(blob.content);
    if (key) files.push({ path: e.path, key, locked: e.mode === '120000', mode: e.mode });
  });
  return files;
}

/** Up to this many blobs, sizes are asked of the running cat-file; past it, one `--batch-check` run is cheaper. */
const SIZES_THROUGH_BATCH = 64;

/** Sizes of many blobs: through the running cat-file for a few, with one `git cat-file --batch-check` for many. */
async function blobSizes(annex: Annex, shas: readonly string[]): Promise<Map<string, number>> {
  const unique = [...new Set(shas)];
  const sizes = new Map<string, number>();
  if (unique.length === 0) return sizes;
  if (unique.length <= SIZES_THROUGH_BATCH) {
    const cat = annex.git.catFile();
    const infos = await Promise.all(unique.map((sha) => cat.info(sha)));
    infos.forEach((info, i) => {
      const sha = unique[i];
      if (info && sha !== undefined) sizes.set(sha, info.size);
    });
    return sizes;
  }
  const out = await annex.git.run(['cat-file', '--batch-check=%(objectname) %(objectsize)'], { input: unique.join('\n') + '\n' });
  for (const line of out.split('\n')) {
    const [sha, size] = line.split(' ');
    if (sha && size) sizes.set(sha, Number(size));
  }
  return sizes;
}
