// add: large files into the annex (locked, or unlocked with annex.addunlocked), the rest into git.

import { chmod, lstat, readlink, symlink, rename, rm } from 'node:fs/promises';
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
import { ArborError } from '../util/errors.js';
import type { Key } from '../annex/key.js';
import { SyncBatch } from '../annex/sync-batch.js';
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

/**
 * git options that keep arbor's filter process out of a command. Starting it costs a Node start-up
 * (~0.2 s), which dominates the latency of small commits; files already known to belong in git
 * need no filter, and for annexed unlocked files a raw comparison only errs towards "modified",
 * which the filtered `git add` then settles.
 */
export const NO_FILTER = ['-c', 'filter.annex.process=', '-c', 'filter.annex.clean=', '-c', 'filter.annex.smudge='];

/** Untracked (not ignored) and modified files under the pathspecs, top-relative, sorted; `tracked` are the modified ones. */
async function candidates(annex: Annex, paths: readonly string[]): Promise<{ all: string[]; tracked: string[] }> {
  const specs = paths.map((p) => `:(literal)${p}`);
  const out = await annex.git.run([...NO_FILTER, 'ls-files', '-z', '-t', '--others', '--modified', '--exclude-standard', '--', ...specs]);
  const all = new Set<string>();
  const tracked = new Set<string>();
  for (const rec of out.split('\0')) {
    if (rec.length < 3) continue;
    const path = rec.slice(2);
    all.add(path);
    if (rec[0] !== '?') tracked.add(path);
  }
  return { all: [...all].sort(), tracked: [...tracked] };
}

/** Which of the (tracked) `paths` are unlocked annexed files in the index. */
async function unlockedAmong(annex: Annex, paths: readonly string[]): Promise<Set<string>> {
  if (paths.length === 0) return new Set();
  return new Set((await annexedFilesAt(annex, paths)).filter((f) => !f.locked).map((f) => f.path));
}

/** Runs `git add` on many paths through a pathspec file (no argv length limit); returns git's stderr. */
async function gitAdd(annex: Annex, paths: readonly string[], options: { filter: boolean }): Promise<string> {
  if (paths.length === 0) return '';
  const r = await annex.git.tryRun([...(options.filter ? [] : NO_FILTER), 'add', '--pathspec-from-file=-', '--pathspec-file-nul', '--'], {
    input: paths.map((p) => `:(literal)${p}`).join('\0') + '\0',
  });
  if (r.code !== 0) throw new ArborError('EGIT', `git add failed: ${firstLine(r.stderr)}`);
  return r.stderr;
}

function firstLine(text: string): string {
  return (text.split('\n').find((l) => l.trim()) ?? '').replace(/^(fatal|error|git-arbor): /, '');
}

/** A file that should have gone to the annex did not (the filter failed); it was unstaged again. */
export class AnnexAddError extends ArborError {
  constructor(path: string, reason: string) {
    super('EADD', `could not add ${path} to the annex: ${reason || 'the annex filter did not run (is git-arbor on PATH?)'}`, { data: { path } });
  }
}

/**
 * Adds files under `paths` (top-relative; default everything). Large files (annex.largefiles,
 * dotfiles excepted) are stored in the annex: locked (a symlink into .git/annex/objects, the
 * default) or unlocked (annex.addunlocked or `unlocked`: the file stays editable and git tracks a
 * pointer; the content goes through the filter). Everything else is added to git as it is.
 */
export async function addFiles(annex: Annex, options: { paths?: readonly string[]; unlocked?: boolean; onFile?: (f: AddedFile) => void } = {}): Promise<AddedFile[]> {
  const workTree = annex.workTree;
  if (!workTree) throw new Error('add needs a work tree');
  // Independent look-ups side by side (each is a git process); the rules start no process until used.
  const [{ all: files, tracked }, rules, dotfiles, unlocked, backend] = await Promise.all([
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
  const results: AddedFile[] = [];
  const syncs = new SyncBatch();
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
      if (target !== wanted) await replaceLink(abs, wanted);
      return { kind: 'moved-link', key };
    }
    if (!st.isFile()) return { kind: 'skip' };
    const annexIt = await shouldAnnex({ rules, path, absolutePath: abs, size: st.size, dotfiles, alreadyAnnexed: alreadyUnlocked.has(path) });
    if (!annexIt) return { kind: 'git' };
    if (unlocked || alreadyUnlocked.has(path)) return { kind: 'unlocked' };
    // The object's fsyncs go to the batch; the file is replaced by a link only after the flush.
    return { kind: 'ingested', key: await annex.store.ingest(abs, { backend, fileName: path, mode: 'link', syncs, size: st.size }), before: st };
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
      // A file written to while it was being added stays as it is: the next add (or commit) takes it.
      if (o?.status !== 'fulfilled' || linked[i]?.status !== 'fulfilled' || linked[i]?.value === false) return;
      const v = o.value;
      if (v.kind === 'git') toGit.push(path);
      else if (v.kind === 'unlocked') toUnlocked.push(path);
      else if (v.kind === 'moved-link') {
        locked.push(path);
        results.push({ path, kind: 'locked', key: formatKey(v.key) });
      } else if (v.kind === 'ingested') {
        presence.push({ key: v.key, uuid: annex.uuid, status: '1', now: annex.now() });
        locked.push(path);
        const r: AddedFile = { path, kind: 'locked', key: formatKey(v.key) };
        results.push(r);
        options.onFile?.(r);
      }
    });
    const failed = linked.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed) throw failed.reason;
  };
  try {
    for (let at = 0; at < files.length; at += SETTLE_EVERY) {
      const window = files.slice(at, at + SETTLE_EVERY);
      // Several files at once: each one waits mostly on the filesystem and on git check-attr.
      const outcomes = await mapLimitSettled(window, PARALLEL_FILES, classify);
      await settle(window, outcomes);
      const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
      if (failed) throw failed.reason;
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
  await logKeysPresence(annex.branch, presence);
  await stagePaths(annex, locked);
  await gitAdd(annex, toGit, { filter: false });
  for (const path of toGit) {
    const r: AddedFile = { path, kind: 'git' };
    results.push(r);
    options.onFile?.(r);
  }
  if (toUnlocked.length) {
    const stderr = await gitAdd(annex, toUnlocked, { filter: true });
    const keys = new Map((await annexedFilesAt(annex, toUnlocked)).map((f) => [f.path, formatKey(f.key)]));
    const failed = toUnlocked.filter((p) => !keys.has(p));
    if (failed.length) {
      // git stores a file raw when its filter fails: take those out again rather than put large files in git.
      const specs = failed.map((p) => `:(literal)${p}`);
      if (await annex.git.revParse('HEAD')) await annex.git.tryRun(['reset', '-q', '--', ...specs]);
      else await annex.git.run(['rm', '-q', '--cached', '--', ...specs]);
      const reason = stderr.split('\n').find((l) => l.includes(failed[0] ?? '\0')) ?? stderr;
      await annex.branch.commit();
      throw new AnnexAddError(failed[0] ?? '', firstLine(reason).replace(/^(clean|smudge) \S+: /, ''));
    }
    for (const path of toUnlocked) {
      const r: AddedFile = { path, kind: 'unlocked', key: keys.get(path) ?? '' };
      results.push(r);
      options.onFile?.(r);
    }
  }
  await annex.branch.commit();
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
  const now = await lstat(abs).catch(() => undefined);
  const b = file.before;
  if (now && now.ino === b.ino && now.size === b.size && now.mtimeMs === b.mtimeMs) {
    await replaceLink(abs, lockedLinkTarget(file.path, file.key));
    return true;
  }
  if (now && b.mode !== undefined) await chmod(abs, b.mode & 0o7777).catch(() => undefined);
  if ((await annex.store.verify(file.key)) === false) await annex.store.remove(file.key);
  return false;
}

async function replaceLink(path: string, target: string): Promise<void> {
  const tmp = join(dirname(path), `.arbor-${randomBytes(6).toString('hex')}.tmp`);
  await symlink(target, tmp);
  await rename(tmp, path).catch(async (err: unknown) => {
    await rm(tmp, { force: true });
    throw err;
  });
}
