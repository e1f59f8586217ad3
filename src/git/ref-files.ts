// Reading a branch or HEAD from git's ref files (loose ref, then packed-refs) without starting git.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode } from '../util/errors.js';
import type { RepoInfo } from './repo.js';

/** Returned when the files do not settle the question and git must be asked. */
export const ASK_GIT = Symbol('ask git');

const SHA = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;
/** Names read from files: shared refs under refs/heads, refs/remotes, refs/tags, refs/annex, and HEAD. */
const PLAIN_REF = /^refs\/(?:heads|remotes|tags|annex)\/[A-Za-z0-9._/+-]+$/;

/**
 * The object id of `name` (HEAD or a full ref name) read from the files git keeps it in: the
 * loose ref file, else the packed-refs file, as git itself reads them (git writes either by
 * renaming a lock file into place, so a read sees the old or the new value). undefined when the
 * ref does not exist; ASK_GIT for anything else: other names (`main`, `HEAD~1`, `x^{tree}`),
 * symbolic refs other than HEAD, a repository keeping refs in a reftable, unreadable files.
 * A command reads refs/heads/git-annex and HEAD several times; each `git rev-parse` is a process.
 */
export async function readRefFromFiles(repo: RepoInfo, name: string): Promise<string | undefined | typeof ASK_GIT> {
  if (name === 'HEAD') return readHead(repo);
  if (!PLAIN_REF.test(name) || name.includes('..') || name.endsWith('.lock') || name.endsWith('/')) return ASK_GIT;
  return readSharedRef(repo, name);
}

/**
 * The branch HEAD names, short (`main` for refs/heads/main), as `git symbolic-ref --short HEAD`
 * gives it; undefined when HEAD is detached; ASK_GIT when the file does not settle it.
 */
export async function readCurrentBranchFromFiles(repo: RepoInfo): Promise<string | undefined | typeof ASK_GIT> {
  const text = await readText(join(repo.gitDir, 'HEAD'));
  if (typeof text !== 'string') return ASK_GIT;
  const line = text.trim();
  if (SHA.test(line)) return undefined;
  const target = /^ref: refs\/heads\/(\S+)$/.exec(line)?.[1];
  return target === undefined || !PLAIN_REF.test(`refs/heads/${target}`) ? ASK_GIT : target;
}

async function readHead(repo: RepoInfo): Promise<string | undefined | typeof ASK_GIT> {
  const text = await readText(join(repo.gitDir, 'HEAD'));
  if (typeof text !== 'string') return ASK_GIT;
  const line = text.trim();
  if (SHA.test(line)) return line;
  const target = /^ref: (refs\/heads\/\S+)$/.exec(line)?.[1];
  return target === undefined || !PLAIN_REF.test(target) ? ASK_GIT : readSharedRef(repo, target);
}

async function readSharedRef(repo: RepoInfo, ref: string): Promise<string | undefined | typeof ASK_GIT> {
  if (await stat(join(repo.commonDir, 'reftable')).then(() => true, () => false)) return ASK_GIT;
  const loose = await readText(join(repo.commonDir, ref));
  if (typeof loose === 'string') {
    const line = loose.trim();
    return SHA.test(line) ? line : ASK_GIT;
  }
  if (loose !== MISSING) return ASK_GIT;
  const packed = await readText(join(repo.commonDir, 'packed-refs'));
  if (packed === MISSING) return undefined;
  if (typeof packed !== 'string') return ASK_GIT;
  return findPackedRef(packed, ref);
}

/** The id of `ref` in a packed-refs file's text ("<sha> <ref>" lines, "^<sha>" peel lines, "#" header), undefined when absent. */
export function findPackedRef(packed: string, ref: string): string | undefined {
  for (const line of packed.split('\n')) {
    if (line.length > 41 && line.endsWith(ref)) {
      const sp = line.indexOf(' ');
      if (line.slice(sp + 1) === ref && SHA.test(line.slice(0, sp))) return line.slice(0, sp);
    }
  }
  return undefined;
}

const MISSING = Symbol('missing');
const UNREADABLE = Symbol('unreadable');

/** A file's text; MISSING when neither it nor a directory above it exists as such; UNREADABLE otherwise. */
async function readText(file: string): Promise<string | typeof MISSING | typeof UNREADABLE> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = errnoCode(err);
    return code === 'ENOENT' || code === 'ENOTDIR' ? MISSING : UNREADABLE;
  }
}

/**
 * Every ref whose full name passes `wanted`, with its object id, sorted by name as
 * `git for-each-ref` sorts them: loose refs under `refs/` (walked) over packed ones. ASK_GIT
 * when the files do not settle it (a reftable, a wanted symbolic ref, an unreadable file).
 */
export async function listRefsFromFiles(repo: RepoInfo, wanted: (ref: string) => boolean): Promise<Map<string, string> | typeof ASK_GIT> {
  if (await stat(join(repo.commonDir, 'reftable')).then(() => true, () => false)) return ASK_GIT;
  const found = new Map<string, string>();
  const packed = await readText(join(repo.commonDir, 'packed-refs'));
  if (packed === UNREADABLE) return ASK_GIT;
  if (packed !== MISSING) {
    for (const line of packed.split('\n')) {
      const sp = line.indexOf(' ');
      const ref = line.slice(sp + 1);
      if (sp > 0 && SHA.test(line.slice(0, sp)) && wanted(ref)) found.set(ref, line.slice(0, sp));
    }
  }
  const walk = async (dir: string, prefix: string): Promise<boolean> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      return errnoCode(err) === 'ENOENT';
    }
    for (const e of entries) {
      const ref = `${prefix}${e.name}`;
      if (e.isDirectory()) {
        if (!(await walk(join(dir, e.name), `${ref}/`))) return false;
      } else if (!e.name.endsWith('.lock') && wanted(ref)) {
        const text = await readText(join(dir, e.name));
        if (typeof text !== 'string' || !SHA.test(text.trim())) return false;
        found.set(ref, text.trim());
      }
    }
    return true;
  };
  if (!(await walk(join(repo.commonDir, 'refs'), 'refs/'))) return ASK_GIT;
  return new Map([...found].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
