// Unlocked annexed files added by git through the annex filter, checked afterwards: never a large file left in git.

import { lstat } from 'node:fs/promises';
import type { Annex } from '../annex/annex.js';
import { formatKey } from '../annex/key.js';
import { shouldAnnex } from '../annex/annexable.js';
import { annexedFilesAt } from './annexed-files.js';
import { absoluteBytes, addIsolating, firstLine, type FailedFile } from './git-add.js';
import type { AddedFile } from './add.js';

/** The stderr line about `path`, and whether the annex filter could not run at all. */
function filterReason(stderr: string, path: string): string | undefined {
  const line = stderr.split('\n').find((l) => l.startsWith('git-arbor: ') && l.includes(` ${path}: `));
  if (line) return firstLine(line).replace(/^(clean|smudge) /, '').slice(path.length + 2);
  if (/external filter|cannot fork|cannot run/.test(stderr)) return 'the annex filter did not run (is git-arbor on PATH?)';
  return undefined;
}

/**
 * Adds unlocked annexed files with git through the annex filter. git stores a file raw when the
 * filter fails for it: such files are taken out of the index again (never large files in git) and
 * fail with the filter's reason. A file the filter kept in git without an error changed while it
 * was added: it stays in git when it is no longer large, else it is taken out and retried later.
 */
export async function addThroughFilter(
  annex: Annex,
  paths: readonly string[],
  out: { rules: Awaited<ReturnType<Annex['largeFilesRules']>>; dotfiles: boolean; results: AddedFile[]; failures: FailedFile[]; onFile: ((f: AddedFile) => void) | undefined },
): Promise<void> {
  const added = await addIsolating(annex, paths, { filter: true });
  out.failures.push(...added.failed);
  const skip = new Set([...added.failed.map((f) => f.path), ...added.vanished.map(String)]);
  const staged = paths.filter((p) => !skip.has(p));
  const keys = new Map((await annexedFilesAt(annex, staged)).map((f) => [f.path, formatKey(f.key)]));
  const unstage: string[] = [];
  const gone: string[] = [];
  for (const path of staged) {
    const key = keys.get(path);
    if (key !== undefined) {
      const r: AddedFile = { path, kind: 'unlocked', key };
      out.results.push(r);
      out.onFile?.(r);
      continue;
    }
    const reason = filterReason(added.stderr, path);
    const abs = absoluteBytes(annex.workTree ?? '', path);
    const st = await lstat(abs).catch(() => undefined);
    const large = st?.isFile() === true && (await shouldAnnex({ rules: out.rules, path, absolutePath: String(abs), size: st.size, dotfiles: out.dotfiles, alreadyAnnexed: false }));
    if (reason === undefined && st && !large) {
      const r: AddedFile = { path, kind: 'git' };
      out.results.push(r);
      out.onFile?.(r);
      continue;
    }
    if (!st) {
      // Deleted while it was added: its removal is what gets staged, never HEAD's version again.
      gone.push(path);
      continue;
    }
    unstage.push(path);
    out.failures.push({ path, reason: reason ?? 'it changed while it was being added' });
  }
  if (unstage.length) {
    const specs = unstage.map((p) => `:(literal)${p}`);
    // Must succeed: a large file left staged raw would be committed into git's history.
    if (await annex.git.revParse('HEAD')) await annex.git.run(['reset', '-q', '--', ...specs]);
    else await annex.git.run(['rm', '-q', '--cached', '--ignore-unmatch', '--', ...specs]);
  }
  if (gone.length) await annex.git.run(['rm', '-q', '--cached', '--ignore-unmatch', '--', ...gone.map((p) => `:(literal)${p}`)]);
}
