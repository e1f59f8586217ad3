// add: large files into the annex (locked, or unlocked with annex.addunlocked), the rest into git.

import { lstat, readlink, symlink, rename, rm } from 'node:fs/promises';
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
  const { all: files, tracked } = await candidates(annex, options.paths ?? []);
  const rules = await annex.largeFilesRules();
  const dotfiles = (await annex.git.configGet('annex.dotfiles'))?.toLowerCase() === 'true';
  const unlocked = options.unlocked ?? (await annex.addUnlocked());
  const backend = await annex.backend();
  // Only modified tracked files can already be unlocked annexed files (not the whole tree: a rescan of 100k files changes few).
  const alreadyUnlocked = await unlockedAmong(annex, tracked);
  const toGit: string[] = [];
  const toUnlocked: string[] = [];
  const presence: Parameters<typeof logKeysPresence>[1][number][] = [];
  const locked: string[] = [];
  const results: AddedFile[] = [];
  try {
    for (const path of files) {
      const abs = join(workTree, path);
      const st = await lstat(abs).catch(() => undefined);
      if (!st) continue;
      if (st.isSymbolicLink()) {
        // An annex link that moved, or an ordinary symlink: git stores both as links.
        const key = keyFromLinkTarget(await readlink(abs));
        if (key) {
          const target = lockedLinkTarget(path, key);
          if ((await readlink(abs)) !== target) await replaceLink(abs, target);
          locked.push(path);
          results.push({ path, kind: 'locked', key: formatKey(key) });
        } else {
          toGit.push(path);
        }
        continue;
      }
      if (!st.isFile()) continue;
      const annexIt = await shouldAnnex({ rules, path, absolutePath: abs, size: st.size, dotfiles, alreadyAnnexed: alreadyUnlocked.has(path) });
      if (!annexIt) {
        toGit.push(path);
      } else if (unlocked || alreadyUnlocked.has(path)) {
        toUnlocked.push(path);
      } else {
        const key = await annex.store.ingest(abs, { backend, fileName: path, mode: 'link' });
        await replaceLink(abs, lockedLinkTarget(path, key));
        presence.push({ key, uuid: annex.uuid, status: '1', now: annex.now() });
        locked.push(path);
        const r: AddedFile = { path, kind: 'locked', key: formatKey(key) };
        results.push(r);
        options.onFile?.(r);
      }
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

async function replaceLink(path: string, target: string): Promise<void> {
  const tmp = join(dirname(path), `.arbor-${randomBytes(6).toString('hex')}.tmp`);
  await symlink(target, tmp);
  await rename(tmp, path).catch(async (err: unknown) => {
    await rm(tmp, { force: true });
    throw err;
  });
}
