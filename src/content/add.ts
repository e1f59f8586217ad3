// add: large files into the annex (locked, or unlocked with annex.addunlocked), the rest into git.

import { chmod, lstat, readlink } from 'node:fs/promises';
import { lstatSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Annex } from '../annex/annex.js';
import { formatKey } from '../annex/key.js';
import { lockedLinkTarget } from '../annex/locations.js';
import { keyFromLinkTarget } from '../annex/pointer.js';
import { shouldAnnex } from '../annex/annexable.js';
import { logKeysPresence } from '../annex/logs/location.js';
import { annexedFilesAt } from './annexed-files.js';
import { stagePaths } from './stage.js';
import { ArborError, errnoCode } from '../util/errors.js';
import { GitCommandError } from '../git/errors.js';
import { DiskFullError, SMALL_OBJECT_BYTES } from '../annex/object-store.js';
import { addIsolating, NO_FILTER, type FailedFile } from './git-add.js';
import { addThroughFilter } from './add-through-filter.js';
import type { Key } from '../annex/key.js';
import { SyncBatch } from '../annex/sync-batch.js';
import { writeBlobsPacked } from '../git/packed-blobs.js';
import PQueue from 'p-queue';

/** Files looked at (and ingested) at once: each waits mostly on the filesystem and git check-attr. */
const PARALLEL_FILES = 8;

/** Files per window: their objects are fsynced together, then they become links. */
const SETTLE_EVERY = 256;

/** Runs `fn` over `items`, at most `limit` at once; every item runs, outcomes in item order. */
function mapLimitSettled<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<Array<PromiseSettledResult<R>>> {
  const queue = new PQueue({ concurrency: limit });
  return Promise.allSettled(items.map((item, i) => queue.add(() => fn(item, i))));
}

/** What happened to one added file. */
export interface AddedFile {
  readonly path: string;
  readonly kind: 'locked' | 'unlocked' | 'git';
  readonly key?: string;
}

export { NO_FILTER } from './git-add.js';

/**
 * Untracked (not ignored) and modified files under the pathspecs, top-relative, sorted; `tracked`
 * are the modified ones; `raw` are names that are not valid UTF-8, kept as git's bytes (a string
 * would not name the file any more).
 */
async function candidates(annex: Annex, paths: readonly string[]): Promise<{ all: string[]; tracked: string[]; raw: Buffer[] }> {
  const args = [...NO_FILTER, 'ls-files', '-z', '-t', '--others', '--modified', '--exclude-standard', '--', ...paths.map((p) => `:(literal)${p}`)];
  const r = await annex.git.tryRun(args);
  if (r.code !== 0) throw new GitCommandError({ args, exitCode: r.code, stderr: r.stderr });
  const all = new Set<string>();
  const tracked = new Set<string>();
  const raw = new Map<string, Buffer>();
  for (let at = 0; at < r.stdout.length; ) {
    let end = r.stdout.indexOf(0, at);
    if (end < 0) end = r.stdout.length;
    const rec = r.stdout.subarray(at, end);
    at = end + 1;
    if (rec.length < 3) continue;
    const bytes = rec.subarray(2);
    const path = bytes.toString('utf8');
    if (!Buffer.from(path).equals(bytes)) raw.set(bytes.toString('hex'), Buffer.from(bytes));
    else {
      all.add(path);
      if (rec[0] !== 0x3f) tracked.add(path); // '?' = untracked
    }
  }
  return { all: [...all].sort(), tracked: [...tracked], raw: [...raw.values()] };
}

/** Which of the (tracked) `paths` are unlocked annexed files in the index. */
async function unlockedAmong(annex: Annex, paths: readonly string[]): Promise<Set<string>> {
  if (paths.length === 0) return new Set();
  return new Set((await annexedFilesAt(annex, paths)).filter((f) => !f.locked).map((f) => f.path));
}

/** A file could not be added (the filter failed, git could not read it, …); everything else was. */
export class AnnexAddError extends ArborError {
  constructor(path: string, reason: string) {
    super('EADD', `could not add ${path}: ${reason}`, { data: { path } });
  }
}

/**
 * Adds files under `paths` (top-relative; default everything). Large files (annex.largefiles,
 * dotfiles excepted) are stored in the annex: locked (a symlink into .git/annex/objects, the
 * default) or unlocked (annex.addunlocked or `unlocked`: the file stays editable and git tracks a
 * pointer; the content goes through the filter). Everything else is added to git as it is.
 * A file that cannot be added (it changed or vanished underneath, git could not read it) never
 * stops the others: each goes to `onFailed` with its reason once the rest is staged; without
 * `onFailed` the first one is thrown as AnnexAddError. A name that is not valid UTF-8 is added by
 * git itself through the annex filter (unlocked when large), as bytes.
 */
export async function addFiles(
  annex: Annex,
  options: { paths?: readonly string[]; unlocked?: boolean; onFile?: (f: AddedFile) => void; onFailed?: (f: FailedFile) => void } = {},
): Promise<AddedFile[]> {
  const workTree = annex.workTree;
  if (!workTree) throw new Error('add needs a work tree');
  // Independent look-ups side by side (each is a git process); the rules start no process until used.
  const [{ all: files, tracked, raw }, rules, dotfiles, unlocked, backend] = await Promise.all([
    candidates(annex, options.paths ?? []),
    annex.largeFilesRules(),
    annex.git.configGet('annex.dotfiles').then((v) => v?.toLowerCase() === 'true'),
    options.unlocked ?? annex.addUnlocked(),
    annex.backend(),
  ]);
  // Only modified tracked files can already be unlocked annexed files (not the whole tree: a rescan of 100k files changes few).
  const alreadyUnlocked = await unlockedAmong(annex, tracked);
  const toGit: string[] = [];
  const toUnlocked: string[] = [];
  const presence: Parameters<typeof logKeysPresence>[1][number][] = [];
  const locked: string[] = [];
  /** The link targets of `locked`: their blobs are written into one pack before they are staged. */
  const linkTargets: string[] = [];
  const results: AddedFile[] = [];
  const failures: FailedFile[] = [];
  /**
   * A file that failed on its own (an I/O error on that file) is listed and the others go on;
   * ENOENT means it vanished (nothing to add). Anything else (a full disk, a bad backend setting)
   * would fail every file: it stops the add.
   */
  const failedFile = (path: string, err: unknown): void => {
    const code = typeof err === 'object' && err !== null && 'syscall' in err ? errnoCode(err) : undefined;
    if (err instanceof DiskFullError || code === undefined || code === 'ENOSPC') throw err;
    if (code === 'ENOENT') return;
    failures.push({ path, reason: err instanceof Error ? err.message : String(err) });
  };
  const syncs = new SyncBatch({ volume: annex.store.objectsDir });
  /** What one file of the work list turned out to be. */
  type Outcome = { readonly kind: 'skip' | 'git' | 'unlocked' } | { readonly kind: 'moved-link'; readonly key: Key } | { readonly kind: 'ingested'; readonly key: Key; readonly before: FileStamp };
  const classify = async (path: string): Promise<Outcome> => {
    const abs = join(workTree, path);
    const st = await lstat(abs).catch(() => undefined);
    if (!st) return { kind: 'skip' };
    if (st.isSymbolicLink()) {
      // An annex link that moved, or an ordinary symlink: git stores both as links.
      const target = await readlink(abs);
      const key = keyFromLinkTarget(target);
      if (!key) return { kind: 'git' };
      const wanted = lockedLinkTarget(path, key);
      if (target !== wanted) replaceLink(abs, wanted);
      return { kind: 'moved-link', key };
    }
    if (!st.isFile()) return { kind: 'skip' };
    const annexIt = await shouldAnnex({ rules, path, absolutePath: abs, size: st.size, dotfiles, alreadyAnnexed: alreadyUnlocked.has(path) });
    if (!annexIt) return { kind: 'git' };
    if (unlocked || alreadyUnlocked.has(path)) return { kind: 'unlocked' };
    // The object's fsyncs go to the batch; the file is replaced by a link only after the flush.
    const small = st.size <= SMALL_OBJECT_BYTES ? annex.store.ingestSmall(abs, { backend, fileName: path, syncs }) : undefined;
    return { kind: 'ingested', key: small ?? (await annex.store.ingest(abs, { backend, fileName: path, mode: 'link', syncs, size: st.size })), before: st };
  };
  /** Makes a window's objects durable, then turns their files into links and notes them, in path order. */
  const settle = async (window: readonly string[], outcomes: ReadonlyArray<PromiseSettledResult<Outcome>>): Promise<void> => {
    await syncs.flush();
    const linked = await mapLimitSettled(window, PARALLEL_FILES, async (path, i) => {
      const o = outcomes[i];
      if (o?.status !== 'fulfilled' || o.value.kind !== 'ingested') return true;
      return linkIfUnchanged(annex, { path, key: o.value.key, before: o.value.before });
    });
    window.forEach((path, i) => {
      const o = outcomes[i];
      const l = linked[i];
      if (o?.status === 'rejected') return failedFile(path, o.reason);
      if (l?.status === 'rejected') return failedFile(path, l.reason);
      // A file written to while it was being added stays as it is: the next add (or commit) takes it.
      if (o?.status !== 'fulfilled' || l?.value === false) return;
      const v = o.value;
      if (v.kind === 'git') toGit.push(path);
      else if (v.kind === 'unlocked') toUnlocked.push(path);
      else if (v.kind === 'moved-link') {
        locked.push(path);
        linkTargets.push(lockedLinkTarget(path, v.key));
        results.push({ path, kind: 'locked', key: formatKey(v.key) });
      } else if (v.kind === 'ingested') {
        presence.push({ key: v.key, uuid: annex.uuid, status: '1', now: annex.now() });
        locked.push(path);
        linkTargets.push(lockedLinkTarget(path, v.key));
        const r: AddedFile = { path, kind: 'locked', key: formatKey(v.key) };
        results.push(r);
        options.onFile?.(r);
      }
    });
  };
  try {
    for (let at = 0; at < files.length; at += SETTLE_EVERY) {
      const window = files.slice(at, at + SETTLE_EVERY);
      // Several files at once: each one waits mostly on the filesystem and on git check-attr.
      const outcomes = await mapLimitSettled(window, PARALLEL_FILES, classify);
      await settle(window, outcomes);
    }
  } catch (err) {
    // Files already turned into links stay safe: record and stage them before reporting the error.
    await logKeysPresence(annex.branch, presence);
    await stagePaths(annex, locked);
    throw err;
  } finally {
    await rules.close();
  }
  // One branch commit for all location changes (not one fsync'd journal file per added file).
  // Side by side: the links' blobs go into one pack, so that staging them writes no loose objects.
  await Promise.all([logKeysPresence(annex.branch, presence), writeBlobsPacked(annex.git, linkTargets)]);
  await stagePaths(annex, locked);
  const toGitOutcome = await addIsolating(annex, toGit, { filter: false });
  failures.push(...toGitOutcome.failed);
  const notAdded = new Set([...toGitOutcome.failed.map((f) => f.path), ...toGitOutcome.vanished.map(String)]);
  for (const path of toGit) {
    if (notAdded.has(path)) continue;
    const r: AddedFile = { path, kind: 'git' };
    results.push(r);
    options.onFile?.(r);
  }
  if (toUnlocked.length) {
    // The rules were closed above; checking a file again restarts their process, so close it again.
    await addThroughFilter(annex, toUnlocked, { rules, dotfiles, results, failures, onFile: options.onFile }).finally(() => rules.close());
  }
  if (raw.length) {
    // Names that are not UTF-8: git reads them as bytes and the filter decides annex or git.
    const out = await addIsolating(annex, raw, { filter: true });
    failures.push(...out.failed);
    for (const bytes of raw) if (!out.vanished.includes(bytes) && !out.failed.some((f) => f.path === bytes.toString())) results.push({ path: bytes.toString(), kind: 'unlocked' });
  }
  await annex.branch.commit();
  for (const f of failures) options.onFailed?.(f);
  const first = failures[0];
  if (first && !options.onFailed) throw new AnnexAddError(first.path, first.reason);
  return results.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** What identifies one version of a file: written to (even through an open descriptor), one of them changes. */
interface FileStamp {
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
}

/**
 * Replaces the work-tree file at `path` (top-relative) by its annex link, unless it changed since
 * `before` was taken (ahead of hashing): then the user's newer bytes are kept, with their mode
 * back, and an object the write went into (the file's own inode, linked in by the lockdown) is
 * removed when it no longer matches its key. Returns whether the file is now a link. As git-annex
 * compares its inode cache before it replaces a file.
 */
export async function linkIfUnchanged(annex: Annex, file: { path: string; key: Key; before: FileStamp & { readonly mode?: number } }): Promise<boolean> {
  const abs = join(annex.workTree ?? '', file.path);
  // Three quick calls on a file just read: made directly, not through the thread pool (a bulk add
  // makes them for every file, and the trips cost more than the calls).
  let now: ReturnType<typeof lstatSync>;
  try {
    now = lstatSync(abs, { throwIfNoEntry: false });
  } catch {
    now = undefined; // unreadable now (a parent replaced by a file): not linked, as a vanished file
  }
  const b = file.before;
  if (now && now.ino === b.ino && now.size === b.size && now.mtimeMs === b.mtimeMs) {
    replaceLink(abs, lockedLinkTarget(file.path, file.key));
    return true;
  }
  if (now && b.mode !== undefined) await chmod(abs, b.mode & 0o7777).catch(() => undefined);
  if ((await annex.store.verify(file.key)) === false) await annex.store.remove(file.key);
  return false;
}

/** Temp names beside work-tree files: this process's pid, a tag drawn once, a counter. */
const linkTmpTag = randomBytes(4).toString('hex');
let linkTmpSeq = 0;

/** Replaces `path` by a symlink to `target`, atomically (a new link renamed over it). */
function replaceLink(path: string, target: string): void {
  const tmp = join(dirname(path), `.arbor-${process.pid}-${linkTmpTag}-${linkTmpSeq++}.tmp`);
  symlinkSync(target, tmp);
  try {
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
