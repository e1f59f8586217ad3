// Automatic resolution of a conflicted merge: every version survives, under git-annex's variant names (Annex/AutoMerge.hs).
//
// git-annex resolves a conflict only when one side is an annexed file (doc/automatic_conflict_resolution.mdwn);
// arbor resolves every conflict, because sync must never stop. The rules, in order:
//   - a file where the merged tree has a directory: every file version becomes a variant;
//   - both sides annexed: different keys → both become variants, the original name goes; the same
//     key → the name stays (unlocked if either side was unlocked, executable if either side was);
//   - annexed on one side, kept in git on the other: the git file keeps the name, the annexed one
//     becomes a variant;
//   - one side only (modified/deleted): an annexed file becomes a variant (as git-annex does), a git
//     file keeps its name;
//   - both sides kept in git: the version whose (blob id, mode) sorts first keeps the name, the
//     other becomes `variantPath(path, <its blob id>)`. Blob ids do not depend on which side merges,
//     so two peers that resolve the same conflict from opposite directions commit the same tree and
//     do not conflict again.
// Variants of annexed files are named after their keys (variant.ts), so arbor and git-annex agree.
// A merge that completes but brings in git's conflict markers is kept as a conflict too, of kind
// 'conflict-markers' (conflict-markers.ts).
// A name that stays is turned into a variant when another path differs from it only in case
// (it could not be checked out next to it on a case-insensitive file system), and a variant name
// already used by different content takes the long form (the whole key).
//
// git ≥ 2.34 (merge-ort) records some conflicts under temporary names "<path>~<ref>": the regular
// file of a symlink/file conflict ("distinct types") and the file of a file/directory conflict.
// Those are mapped back to <path>, so the result does not depend on the ref name. (git-annex
// 10.20230126 does the same for distinct types, but names the variant of a file/directory conflict
// after the temporary name, e.g. "x.variant-7609.bin~refs_remotes_origin_main"; arbor uses "x".)

import { randomBytes } from 'node:crypto';
import { chmod, copyFile, lstat, mkdir, readFile, readdir, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import type { Annex } from '../annex/annex.js';
import { verifyKeyContent } from '../annex/backend.js';
import type { Key } from '../annex/key.js';
import { formatKey, sameKey } from '../annex/key.js';
import { lockedLinkTarget } from '../annex/locations.js';
import { MAX_POINTER_BYTES, formatPointer, keyFromLinkTarget, parsePointer } from '../annex/pointer.js';
import type { IndexEntry } from '../git/update-index.js';
import { updateIndexInfo } from '../git/update-index.js';
import { ArborError } from '../util/errors.js';
import { longVariantPath, variantPath } from './variant.js';

/** What kind of conflict a path had. */
export type ConflictKind = 'annexed-both' | 'annexed-vs-git' | 'modify-delete' | 'git-both' | 'file-directory' | 'type-change' | 'conflict-markers';

/** What resolveConflicts did with one conflicted path. */
export interface ResolvedConflict {
  /** The conflicted path (repository-relative, '/' separators). */
  readonly path: string;
  readonly kind: ConflictKind;
  /** The paths that now hold the versions (sorted); [] when both sides deleted it. */
  readonly results: readonly string[];
}

/** One index stage of a path: its mode (octal string) and object id. */
export interface StageEntry {
  readonly mode: string;
  readonly sha: string;
}

/** One record of `git ls-files -s -z`. Stage 0 is merged; 1, 2, 3 are base, ours, theirs. */
export interface IndexRecord extends StageEntry {
  readonly path: string;
  readonly stage: number;
}

/** A path's unmerged stages. A missing side deleted the path (or git moved it to a temporary name). */
export interface UnmergedPath {
  readonly path: string;
  readonly base?: StageEntry;
  readonly ours?: StageEntry;
  readonly theirs?: StageEntry;
}

/** One conflict, with git's temporary names mapped back to the path it is about. */
export interface Conflict {
  readonly path: string;
  readonly ours?: StageEntry;
  readonly theirs?: StageEntry;
  /** The merged index has a directory at `path` (a file/directory conflict). */
  readonly directory: boolean;
  /** The unmerged index paths that make up this conflict (`path` and/or "<path>~<ref>" names). */
  readonly indexPaths: readonly string[];
}

/** One side's version: an annexed file (locked symlink or unlocked pointer) or a file kept in git. */
export type Version =
  | { readonly kind: 'annexed'; readonly key: Key; readonly locked: boolean; readonly mode: string }
  | { readonly kind: 'git'; readonly mode: string; readonly sha: string };

/** One file a resolution keeps. */
export interface PlannedFile {
  readonly version: Version;
  /** It stays at the conflict's path; otherwise it becomes a variant. */
  readonly keepsName: boolean;
}

/** How one conflict is resolved, before names are checked against the rest of the tree. */
export interface ConflictPlan {
  readonly conflict: Conflict;
  readonly kind: ConflictKind;
  readonly files: readonly PlannedFile[];
}

/** A version at its final path. */
export interface Placement {
  readonly path: string;
  readonly version: Version;
}

/** A conflict with every version placed. */
export interface SettledConflict {
  readonly conflict: Conflict;
  readonly kind: ConflictKind;
  readonly placements: readonly Placement[];
}

const ZERO_SHA = '0'.repeat(40);
const GITLINK = '160000';
const SYMLINK = '120000';

/** Parses `git ls-files -s -z` (or `-u -z`) output. */
export function parseIndexRecords(out: string): IndexRecord[] {
  const records: IndexRecord[] = [];
  for (const rec of out.split('\0')) {
    const tab = rec.indexOf('\t');
    if (tab < 0) continue;
    const [mode = '', sha = '', stage = ''] = rec.slice(0, tab).split(' ');
    records.push({ mode, sha, stage: Number(stage), path: rec.slice(tab + 1) });
  }
  return records;
}

/** Groups the unmerged records (stage 1–3) by path, in path order. */
export function unmergedPaths(records: readonly IndexRecord[]): UnmergedPath[] {
  const byPath = new Map<string, { path: string; base?: StageEntry; ours?: StageEntry; theirs?: StageEntry }>();
  for (const r of records) {
    if (r.stage < 1 || r.stage > 3) continue;
    const u = byPath.get(r.path) ?? { path: r.path };
    const entry = { mode: r.mode, sha: r.sha };
    if (r.stage === 1) u.base = entry;
    else if (r.stage === 2) u.ours = entry;
    else u.theirs = entry;
    byPath.set(r.path, u);
  }
  return [...byPath.values()].sort((a, b) => compare(a.path, b.path));
}

/** The paths "<p>~<suffix>" can stand for: each '~' of the file name, last first (longest p first). */
function tildeOrigins(path: string): string[] {
  const nameStart = path.lastIndexOf('/') + 1;
  const out: string[] = [];
  for (let i = path.lastIndexOf('~'); i > nameStart; i = path.lastIndexOf('~', i - 1)) out.push(path.slice(0, i));
  return out;
}

/**
 * Turns unmerged paths into conflicts. A one-sided unmerged path "<p>~<suffix>" is git's temporary
 * name: it joins the unmerged path <p> that has only the other side (distinct types; the base
 * stage goes with the side of the same type), or becomes the file side of a file/directory
 * conflict at <p> when `isDirectory(p)`.
 */
export function groupConflicts(unmerged: readonly UnmergedPath[], isDirectory: (path: string) => boolean): Conflict[] {
  const byPath = new Map(unmerged.map((u) => [u.path, u]));
  const joined = new Map<string, UnmergedPath[]>(); // original path → temporary-name records joining it
  const moved = new Map<string, string>(); // temporary name → the directory's path, for file/directory conflicts
  for (const u of unmerged) {
    if ((u.ours === undefined) === (u.theirs === undefined)) continue;
    for (const origin of tildeOrigins(u.path)) {
      const target = byPath.get(origin);
      const [side, other] = u.ours === undefined ? (['theirs', 'ours'] as const) : (['ours', 'theirs'] as const);
      if (target && target[side] === undefined && target[other] !== undefined && !joined.has(origin)) {
        joined.set(origin, [u]);
        break;
      }
      if (!target && isDirectory(origin)) {
        moved.set(u.path, origin);
        break;
      }
    }
  }
  const absorbed = new Set([...joined.values()].flat().map((u) => u.path));
  const conflicts: Conflict[] = [];
  for (const u of unmerged) {
    if (absorbed.has(u.path)) continue;
    const path = moved.get(u.path) ?? u.path;
    const parts = [u, ...(joined.get(u.path) ?? [])];
    const ours = parts.find((p) => p.ours)?.ours;
    const theirs = parts.find((p) => p.theirs)?.theirs;
    conflicts.push({
      path,
      ...(ours ? { ours } : {}),
      ...(theirs ? { theirs } : {}),
      directory: isDirectory(path),
      indexPaths: parts.map((p) => p.path),
    });
  }
  return conflicts.sort((a, b) => compare(a.path, b.path));
}

/** The tag a version's variant name is made from: its key, or its blob id for a git file. */
export function versionTag(v: Version): string {
  return v.kind === 'annexed' ? formatKey(v.key) : v.sha;
}

function isExecutable(mode: string): boolean {
  return mode === '100755';
}

function fileType(mode: string): string {
  return mode === '100755' ? '100644' : mode;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Decides which versions of a conflict survive and which keep the name (the rules at the top of this file). */
export function planConflict(conflict: Conflict, ours: Version | undefined, theirs: Version | undefined): ConflictPlan {
  const sides = [ours, theirs].filter((v): v is Version => v !== undefined);
  const plan = (kind: ConflictKind, files: PlannedFile[]): ConflictPlan => ({ conflict, kind, files });
  const keep = (version: Version): PlannedFile => ({ version, keepsName: true });
  const variant = (version: Version): PlannedFile => ({ version, keepsName: false });
  if (conflict.directory) return plan('file-directory', sides.map(variant));
  if (ours === undefined || theirs === undefined) {
    return plan('modify-delete', sides.map((v) => (v.kind === 'git' ? keep(v) : variant(v))));
  }
  if (ours.kind === 'annexed' && theirs.kind === 'annexed') {
    if (!sameKey(ours.key, theirs.key)) {
      return plan('annexed-both', [ours, theirs].sort((a, b) => compare(versionTag(a), versionTag(b))).map(variant));
    }
    const locked = ours.locked && theirs.locked;
    const mode = locked ? SYMLINK : isExecutable(ours.mode) || isExecutable(theirs.mode) ? '100755' : '100644';
    return plan('annexed-both', [keep({ kind: 'annexed', key: ours.key, locked, mode })]);
  }
  if (ours.kind === 'annexed' || theirs.kind === 'annexed') {
    const [git, annexed] = ours.kind === 'git' ? [ours, theirs] : [theirs, ours];
    return plan('annexed-vs-git', [keep(git), variant(annexed)]);
  }
  const kind = fileType(ours.mode) === fileType(theirs.mode) ? 'git-both' : 'type-change';
  if (ours.sha === theirs.sha && kind === 'git-both') {
    return plan(kind, [keep({ ...ours, mode: isExecutable(ours.mode) || isExecutable(theirs.mode) ? '100755' : ours.mode })]);
  }
  const [first, second] = [ours, theirs].sort((a, b) => compare(a.sha, b.sha) || compare(a.mode, b.mode));
  return plan(kind, [keep(first ?? ours), variant(second ?? theirs)]);
}

/**
 * Gives every planned file its final path. `existing` maps the merged (stage 0) index paths to an
 * identity ("mode sha"); `identity` gives the same for a planned file as it will be staged. A kept
 * name that differs only in case from another path (a file or a directory, merged or kept by
 * another conflict) becomes a variant; a variant whose name is taken by different content uses
 * the long form. Plans are handled in path order, so the outcome does not depend on which side
 * merged.
 */
export function settleNames(
  plans: readonly ConflictPlan[],
  opts: { existing: ReadonlyMap<string, string>; identity: (plan: ConflictPlan, file: PlannedFile) => string },
): SettledConflict[] {
  const kept = plans.filter((p) => p.files.some((f) => f.keepsName)).map((p) => p.conflict.path);
  const names = new Set(kept);
  for (const p of opts.existing.keys()) for (let d = p; d !== '.'; d = posix.dirname(d)) names.add(d);
  const lower = new Map<string, Set<string>>();
  for (const p of names) {
    const set = lower.get(p.toLowerCase()) ?? new Set<string>();
    set.add(p);
    lower.set(p.toLowerCase(), set);
  }
  const caseClash = (p: string): boolean => [...(lower.get(p.toLowerCase()) ?? [])].some((o) => o !== p);
  const claimed = new Map(opts.existing);
  const settled: SettledConflict[] = [];
  for (const plan of [...plans].sort((a, b) => compare(a.conflict.path, b.conflict.path))) {
    const placements: Placement[] = [];
    const path = plan.conflict.path;
    for (const file of plan.files) {
      const id = opts.identity(plan, file);
      let target = file.keepsName && !caseClash(path) ? path : variantPath(path, versionTag(file.version));
      const holder = claimed.get(target);
      if (holder !== undefined && holder !== id && target !== path) target = longVariantPath(path, versionTag(file.version));
      if (placements.some((p) => p.path === target)) continue;
      claimed.set(target, id);
      placements.push({ path: target, version: file.version });
    }
    settled.push({ conflict: plan.conflict, kind: plan.kind, placements });
  }
  return settled;
}

/** Whether the index has unmerged entries (a merge stopped on conflicts). */
export async function hasUnmergedPaths(annex: Annex): Promise<boolean> {
  return (await annex.git.run(['ls-files', '-u', '-z'])).length > 0;
}

/** Reads what each stage entry is: an annexed file (by its blob) or a file kept in git. */
async function readVersions(annex: Annex, entries: readonly StageEntry[]): Promise<Map<string, Version>> {
  const versions = new Map<string, Version>();
  const blobs = [...new Set(entries.filter((e) => e.mode !== GITLINK).map((e) => e.sha))];
  const sizes = new Map<string, number>();
  if (blobs.length > 0) {
    const out = await annex.git.run(['cat-file', '--batch-check=%(objectname) %(objectsize)'], { input: blobs.join('\n') + '\n' });
    for (const line of out.split('\n')) {
      const [sha = '', size = ''] = line.split(' ');
      if (/^\d+$/.test(size)) sizes.set(sha, Number(size));
    }
  }
  const cat = annex.git.catFile();
  for (const e of entries) {
    const id = `${e.mode} ${e.sha}`;
    if (versions.has(id)) continue;
    let key: Key | undefined;
    if (e.mode !== GITLINK && (sizes.get(e.sha) ?? Infinity) <= MAX_POINTER_BYTES) {
      const blob = await cat.get(e.sha);
      if (blob) key = e.mode === SYMLINK ? keyFromLinkTarget(blob.content.toString('utf8')) : parsePointer(blob.content);
    }
    versions.set(id, key ? { kind: 'annexed', key, locked: e.mode === SYMLINK, mode: e.mode } : { kind: 'git', mode: e.mode, sha: e.sha });
  }
  return versions;
}

/** What a version is staged as in the directory of `path` (a locked link's target depends on the depth). */
async function stagedEntry(annex: Annex, path: string, v: Version, cache: Map<string, string>): Promise<StageEntry> {
  if (v.kind === 'git') return { mode: v.mode, sha: v.sha };
  const content = v.locked ? lockedLinkTarget(path, v.key) : formatPointer(v.key);
  let sha = cache.get(content);
  if (sha === undefined) {
    sha = await annex.git.hashObject(content, { write: true });
    cache.set(content, sha);
  }
  return { mode: v.locked ? SYMLINK : v.mode, sha };
}

/** Writes `write(tmp)` next to `dest` and renames it over `dest` (creating the directory). */
async function replaceFile(dest: string, write: (tmp: string) => Promise<void>): Promise<void> {
  await mkdir(dirname(dest), { recursive: true });
  const tmp = join(dirname(dest), `.arbor-${randomBytes(6).toString('hex')}.tmp`);
  try {
    await write(tmp);
    await rename(tmp, dest);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

async function isRegularFile(path: string): Promise<boolean> {
  return (await lstat(path).catch(() => undefined))?.isFile() ?? false;
}

/** A work-tree file among `candidates` holding the content of `key` (git left it there), if any. */
async function findContent(key: Key, candidates: readonly string[]): Promise<string | undefined> {
  for (const c of candidates) {
    if (!(await isRegularFile(c))) continue;
    const s = await lstat(c);
    if (s.size <= MAX_POINTER_BYTES && parsePointer(await readFile(c)) !== undefined) continue;
    if (await verifyKeyContent(key, c).catch(() => false)) return c;
  }
  return undefined;
}

/** Writes an annexed version: a symlink when locked, else the content (when here) or the pointer. */
async function writeAnnexed(annex: Annex, opts: { workTree: string; path: string; key: Key; locked: boolean; mode: string; sources: readonly string[] }): Promise<void> {
  const dest = join(opts.workTree, opts.path);
  if (opts.locked) {
    await replaceFile(dest, (tmp) => symlink(lockedLinkTarget(opts.path, opts.key), tmp));
    return;
  }
  const perm = isExecutable(opts.mode) ? 0o755 : 0o644;
  const content = (await annex.store.pathOf(opts.key)) ?? (await findContent(opts.key, opts.sources));
  await replaceFile(dest, async (tmp) => {
    if (content) await copyFile(content, tmp);
    else await writeFile(tmp, formatPointer(opts.key));
    await chmod(tmp, perm);
  });
}

/** The blob id git would give a work-tree file or symlink (no filters), or undefined. */
async function workTreeBlob(annex: Annex, abs: string): Promise<string | undefined> {
  const s = await lstat(abs).catch(() => undefined);
  if (s?.isSymbolicLink()) return annex.git.hashObject(await readlink(abs));
  if (!s?.isFile()) return undefined;
  const r = await annex.git.tryRun(['hash-object', '--no-filters', '--', abs]);
  return r.code === 0 ? r.stdout.toString('utf8').trim() : undefined;
}

/**
 * Removes what git's older merge strategy leaves beside a conflicted file: untracked "<name>~<ref>"
 * files holding one of the conflict's versions (their content stays in git, so nothing is lost).
 */
async function removeCruft(annex: Annex, opts: { workTree: string; path: string; shas: ReadonlySet<string>; tracked: ReadonlySet<string> }): Promise<void> {
  const dir = posix.dirname(opts.path);
  const prefix = `${posix.basename(opts.path)}~`;
  const names = await readdir(join(opts.workTree, dir)).catch(() => [] as string[]);
  for (const name of names) {
    const rel = dir === '.' ? name : `${dir}/${name}`;
    if (!name.startsWith(prefix) || opts.tracked.has(rel)) continue;
    const sha = await workTreeBlob(annex, join(opts.workTree, rel));
    if (sha !== undefined && opts.shas.has(sha)) await rm(join(opts.workTree, rel), { force: true });
  }
}

/** What resolving the conflicts of an index means: the placements, and the index changes that make them. */
interface Resolution {
  readonly settled: readonly SettledConflict[];
  readonly merged: readonly IndexRecord[];
  readonly unmerged: readonly UnmergedPath[];
  /** Drop every unmerged stage, then stage each placed version. */
  readonly index: readonly IndexEntry[];
}

/**
 * Plans the resolution of every unmerged path in `lsFiles` (`git ls-files -s -z` of an index that
 * a merge left conflicted); undefined when nothing is unmerged. Writes only git objects (pointer
 * and link blobs), never the index or the work tree.
 */
async function planResolution(annex: Annex, lsFiles: string): Promise<Resolution | undefined> {
  const records = parseIndexRecords(lsFiles);
  const unmerged = unmergedPaths(records);
  if (unmerged.length === 0) return undefined;

  const merged = records.filter((r) => r.stage === 0);
  const directories = new Set<string>();
  for (const r of merged) for (let d = posix.dirname(r.path); d !== '.'; d = posix.dirname(d)) directories.add(d);
  const conflicts = groupConflicts(unmerged, (p) => directories.has(p));

  const versions = await readVersions(annex, conflicts.flatMap((c) => [c.ours, c.theirs].filter((e): e is StageEntry => e !== undefined)));
  const versionOf = (e: StageEntry | undefined): Version | undefined => (e ? versions.get(`${e.mode} ${e.sha}`) : undefined);
  const plans = conflicts.map((c) => planConflict(c, versionOf(c.ours), versionOf(c.theirs)));

  const hashes = new Map<string, string>();
  const staged = new Map<PlannedFile, StageEntry>();
  for (const plan of plans) for (const f of plan.files) staged.set(f, await stagedEntry(annex, plan.conflict.path, f.version, hashes));
  const settled = settleNames(plans, {
    existing: new Map(merged.map((r) => [r.path, `${r.mode} ${r.sha}`])),
    identity: (_plan, f) => {
      const e = staged.get(f);
      return e ? `${e.mode} ${e.sha}` : '';
    },
  });

  const index: IndexEntry[] = [];
  for (const s of settled) for (const p of s.conflict.indexPaths) index.push({ mode: '0', sha: ZERO_SHA, path: p });
  for (const s of settled) {
    for (const p of s.placements) {
      const e = await stagedEntry(annex, p.path, p.version, hashes);
      index.push({ mode: e.mode, sha: e.sha, path: p.path });
    }
  }
  return { settled, merged, unmerged, index };
}

/** What the resolution did, for the caller's report: each conflict's path, kind and resulting paths (sorted). */
function resolvedList(settled: readonly SettledConflict[]): ResolvedConflict[] {
  return settled.map((s) => ({ path: s.conflict.path, kind: s.kind, results: s.placements.map((p) => p.path).sort(compare) }));
}

/**
 * Resolves the conflicts of a merge held in a separate index file (`indexFile`, built from `git
 * merge-tree`'s result and its conflicted stages): the same decisions as resolveConflicts, made in
 * that index alone. Neither the repository's index nor the work tree is touched; the caller writes
 * the index's tree and brings it in with read-tree, which refuses rather than overwrite a change.
 */
export async function resolveConflictsInIndex(annex: Annex, indexFile: string): Promise<ResolvedConflict[]> {
  const cwd = annex.workTree ?? annex.git.repo.gitDir;
  const env = { GIT_INDEX_FILE: indexFile };
  const resolution = await planResolution(annex, await annex.git.run(['ls-files', '-s', '-z'], { env }));
  if (!resolution) return [];
  await updateIndexInfo({ cwd, indexFile, entries: resolution.index });
  return resolvedList(resolution.settled);
}

/**
 * Resolves every unmerged path of a merge that stopped on conflicts, in the index and the work
 * tree, and returns what it did (sorted by path). Afterwards the index has no unmerged entries and
 * the work tree no conflict markers; the merge is ready to commit (MERGE_HEAD is left in place).
 * Does nothing and returns [] when there are no unmerged paths.
 */
export async function resolveConflicts(annex: Annex): Promise<ResolvedConflict[]> {
  const workTree = annex.workTree;
  if (!workTree) throw new ArborError('EBARE', 'cannot resolve merge conflicts in a bare repository');
  const resolution = await planResolution(annex, await annex.git.run(['ls-files', '-s', '-z']));
  if (!resolution) return [];
  const { settled, merged, unmerged, index } = resolution;
  await updateIndexInfo({ cwd: workTree, entries: index });

  // Then the work tree: write every placed version before removing anything.
  const gitFiles: string[] = [];
  const written: string[] = [];
  for (const s of settled) {
    const sources = [s.conflict.path, ...s.conflict.indexPaths].map((p) => join(workTree, p));
    for (const p of s.placements) {
      const v = p.version;
      if (v.kind === 'git') {
        if (v.mode !== GITLINK) gitFiles.push(p.path);
        continue;
      }
      await writeAnnexed(annex, { workTree, path: p.path, key: v.key, locked: v.locked, mode: v.mode, sources });
      written.push(p.path);
    }
  }
  if (gitFiles.length > 0) await annex.git.run(['checkout-index', '-f', '-u', '-z', '--stdin'], { input: gitFiles.join('\0') + '\0' });

  const placed = new Set(settled.flatMap((s) => s.placements.map((p) => p.path)));
  const tracked = new Set([...merged.map((r) => r.path), ...placed]);
  for (const s of settled) {
    for (const p of new Set([s.conflict.path, ...s.conflict.indexPaths])) {
      if (placed.has(p)) continue;
      const abs = join(workTree, p);
      const st = await lstat(abs).catch(() => undefined);
      if (st && !st.isDirectory()) await rm(abs, { force: true });
    }
    const u = unmerged.filter((x) => s.conflict.indexPaths.includes(x.path));
    const shas = new Set(u.flatMap((x) => [x.base, x.ours, x.theirs]).flatMap((e) => (e ? [e.sha] : [])));
    await removeCruft(annex, { workTree, path: s.conflict.path, shas, tracked });
  }
  // Stat data for the entries staged above (they have none yet; git compares content through the
  // clean filter once). Not `update-index --refresh -- <paths>`: git would re-add those paths.
  if (written.length > 0) await annex.git.tryRun(['update-index', '-q', '--refresh']);

  return resolvedList(settled);
}
