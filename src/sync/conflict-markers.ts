// A peer's file with conflict markers (a merge it committed unresolved) is kept as a conflict, never taken silently.
//
// What the user gets, for a file kept in git that a merge changed so that it now has git's
// conflict markers (a "<<<<<<< " line, then a "=======" line, then a ">>>>>>> " line) while the
// version here before the merge had none:
//   - the name holds the version from before the merge (what this repository had);
//   - the merged, marker-laden version is kept beside it as `variantPath(path, <its blob id>)`,
//     e.g. notes.variant-1a2b.txt, the same naming as a git-file conflict (conflicts.ts);
//   - one commit "arbor: conflict markers from <ref> …" records both, so peers get the same tree;
//   - the conflict is recorded (kind 'conflict-markers', results [name, variant]) and shown by
//     `git arbor status` until the user clears it.
// A new file that arrives with markers (nothing here to keep) stays as it is and is recorded as a
// conflict with that one name. Annexed files are not inspected (their content is not in git).

import { randomBytes } from 'node:crypto';
import { lstat, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Annex } from '../annex/annex.js';
import { NO_FILTER } from '../content/add.js';
import { readTreeIntoIndex, updateIndexInfo, writeTree, type IndexEntry } from '../git/update-index.js';
import type { ResolvedConflict } from './conflicts.js';
import { identityEnv } from './identity.js';
import { parseRawDiff } from './peer-deletions.js';
import { longVariantPath, variantPath } from './variant.js';

/** Files larger than this are not searched for markers (no one merges such text by hand). */
const MAX_TEXT_BYTES = 8 * 1024 * 1024;

/** Whether `text` has git's conflict markers: "<<<<<<< ", then "=======", then ">>>>>>> " lines, in that order. */
export function hasConflictMarkers(text: string): boolean {
  let stage = 0;
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (stage === 0 && line.startsWith('<<<<<<< ')) stage = 1;
    else if (stage === 1 && line === '=======') stage = 2;
    else if (stage === 2 && line.startsWith('>>>>>>> ')) return true;
  }
  return false;
}

/** Whether a blob reads as text (git's test: no NUL in the first 8000 bytes). */
function isText(bytes: Uint8Array): boolean {
  return !bytes.subarray(0, 8000).includes(0);
}

/** A file a merge brought in with conflict markers. */
interface MarkedFile {
  readonly path: string;
  /** The version here before the merge (absent for a new file). */
  readonly before?: { readonly mode: string; readonly sha: string };
  readonly after: { readonly mode: string; readonly sha: string };
}

async function hasMarkers(annex: Annex, sha: string): Promise<boolean> {
  const blob = await annex.git.catFile().get(sha);
  return blob !== undefined && isText(blob.content) && hasConflictMarkers(blob.content.toString('utf8'));
}

/** The files changed between `before` and `after` that gained conflict markers (paths in `exclude` skipped). */
export async function findMarkedFiles(annex: Annex, opts: { before: string; after: string; exclude: ReadonlySet<string> }): Promise<MarkedFile[]> {
  const changes = parseRawDiff(await annex.git.run(['diff-tree', '-r', '-z', '--raw', '--no-renames', '--diff-filter=AMT', opts.before, opts.after]));
  const candidates = changes.filter((c) => (c.newMode === '100644' || c.newMode === '100755') && !opts.exclude.has(c.path));
  if (candidates.length === 0) return [];
  const sizes = new Map<string, number>();
  const out = await annex.git.run(['cat-file', '--batch-check=%(objectname) %(objectsize)'], { input: [...new Set(candidates.map((c) => c.newSha))].join('\n') + '\n' });
  for (const line of out.split('\n')) {
    const [sha = '', size = ''] = line.split(' ');
    if (/^\d+$/.test(size)) sizes.set(sha, Number(size));
  }
  const marked: MarkedFile[] = [];
  for (const c of candidates) {
    if ((sizes.get(c.newSha) ?? Infinity) > MAX_TEXT_BYTES || !(await hasMarkers(annex, c.newSha))) continue;
    // Any version here counts (a locked annexed link replaced by marked text keeps its link under the name).
    const hadBefore = (c.status === 'M' || c.status === 'T') && c.oldMode !== '160000';
    const oldText = c.oldMode === '100644' || c.oldMode === '100755';
    if (hadBefore && oldText && (await hasMarkers(annex, c.oldSha))) continue; // the markers were already here
    marked.push({ path: c.path, after: { mode: c.newMode, sha: c.newSha }, ...(hadBefore ? { before: { mode: c.oldMode, sha: c.oldSha } } : {}) });
  }
  return marked;
}

/** The work-tree file at `rel` still holds blob `sha` (nobody changed it since the merge wrote it). */
async function unchangedSinceMerge(annex: Annex, workTree: string, rel: string, sha: string): Promise<boolean> {
  if (!(await lstat(join(workTree, rel)).catch(() => undefined))?.isFile()) return false;
  const r = await annex.git.tryRun(['hash-object', '--no-filters', '--', join(workTree, rel)]);
  return r.code === 0 && r.stdout.toString('utf8').trim() === sha;
}

/**
 * Keeps each marked file as a conflict (see the top of this file) with one commit on top of
 * `after` (HEAD), and returns the conflicts. Must run inside the merge's serialised section.
 */
export async function keepMarkersAsConflicts(annex: Annex, opts: { ref: string; after: string; files: readonly MarkedFile[] }): Promise<ResolvedConflict[]> {
  const workTree = annex.workTree;
  if (!workTree || opts.files.length === 0) return [];
  const conflicts: ResolvedConflict[] = [];
  const entries: IndexEntry[] = [];
  for (const f of opts.files) {
    if (!f.before) {
      conflicts.push({ path: f.path, kind: 'conflict-markers', results: [f.path] });
      continue;
    }
    let variant = variantPath(f.path, f.after.sha);
    if ((await annex.git.tryRun(['cat-file', '-e', `${opts.after}:${variant}`])).code === 0) variant = longVariantPath(f.path, f.after.sha);
    entries.push({ mode: f.before.mode, sha: f.before.sha, path: f.path }, { mode: f.after.mode, sha: f.after.sha, path: variant });
    conflicts.push({ path: f.path, kind: 'conflict-markers', results: [f.path, variant].sort() });
  }
  if (entries.length === 0) return conflicts;
  // The commit is built in a private index (the real one may hold staged work that is not ours to commit).
  const indexFile = join(annex.annexDir, 'arbor', `markers-index-${randomBytes(6).toString('hex')}`);
  await mkdir(join(annex.annexDir, 'arbor'), { recursive: true });
  try {
    await readTreeIntoIndex({ cwd: workTree, indexFile, treeish: opts.after });
    await updateIndexInfo({ cwd: workTree, indexFile, entries });
    const tree = await writeTree({ cwd: workTree, indexFile });
    const names = opts.files.filter((f) => f.before).map((f) => f.path);
    const message = `arbor: conflict markers from ${opts.ref} in ${names.join(', ')}\n\nThe version from before the merge keeps the name; the version with the markers is kept as a variant.\n`;
    const sha = await annex.git.commitTree({ tree, parents: [opts.after], message, env: await identityEnv(annex.git) });
    await annex.git.run(['update-ref', '-m', 'arbor: conflict markers kept as a variant', 'HEAD', sha, opts.after]);
  } finally {
    await rm(indexFile, { force: true });
  }
  // Then the real index and the work tree. A name someone changed since the merge wrote it keeps
  // that change (the committer commits it); its variant is written all the same.
  const merged = new Map(opts.files.map((f) => [f.path, f.after.sha]));
  const apply: IndexEntry[] = [];
  for (const e of entries) {
    const mergedSha = merged.get(e.path);
    if (mergedSha === undefined || (await unchangedSinceMerge(annex, workTree, e.path, mergedSha))) apply.push(e);
  }
  await updateIndexInfo({ cwd: workTree, entries: apply });
  await annex.git.run([...NO_FILTER, 'checkout-index', '-f', '-u', '-z', '--stdin'], { input: apply.map((e) => e.path).join('\0') + '\0' });
  return conflicts;
}
