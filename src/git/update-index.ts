// Staging into any index file: `git update-index -z --index-info`, write-tree and read-tree.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { UsageError } from '../util/errors.js';
import { nodeSpawner } from '../util/spawn.js';
import type { Spawner } from '../util/spawn.js';
import { GitCommandError } from './errors.js';
import { gitEnv } from './repo.js';

/**
 * One index entry to stage. `path` is relative to the top of the repository, with `/` separators.
 * Mode `0` with an all-zero sha removes the path from the index.
 */
export interface IndexEntry {
  /** Octal mode: 100644, 100755, 120000 (symlink), 160000 (gitlink), or 0 to remove. */
  readonly mode: string;
  /** Object id of the blob (or commit for a gitlink). */
  readonly sha: string;
  /** Path inside the repository. */
  readonly path: string;
  /** A conflict stage (1 base, 2 ours, 3 theirs), as a merge leaves them; absent: stage 0. */
  readonly stage?: 1 | 2 | 3;
}

/** Where to stage. */
export interface IndexTarget {
  /** A directory of the repository (its work tree top, or the git dir of a bare repository). */
  readonly cwd: string;
  /** The index file to use instead of the repository's own (GIT_INDEX_FILE); relative to cwd. */
  readonly indexFile?: string;
}

/** The git environment for an index target; GIT_INDEX_FILE is made absolute so git's chdir cannot move it. */
function indexEnv(t: IndexTarget): NodeJS.ProcessEnv {
  return gitEnv(t.indexFile === undefined ? {} : { GIT_INDEX_FILE: resolve(t.cwd, t.indexFile) });
}

/**
 * Whether git would accept `path` into an index: relative, no empty, `.` or `..` component, no
 * `.git` component (git prints "Ignoring path" for those and exits 0, silently losing the entry).
 */
export function isValidIndexPath(path: string): boolean {
  if (path === '' || path.includes('\0')) return false;
  return path.split('/').every((c) => c !== '' && c !== '.' && c !== '..' && c.toLowerCase() !== '.git');
}

/** One --index-info record in -z form (path unquoted, NUL-terminated). Throws UsageError for bad entries. */
export function formatIndexInfo(e: IndexEntry): string {
  if (!/^[0-7]{1,6}$/.test(e.mode)) throw new UsageError(`bad index entry mode ${JSON.stringify(e.mode)} for ${e.path}`);
  if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(e.sha)) throw new UsageError(`bad object id ${JSON.stringify(e.sha)} for ${e.path}`);
  if (!isValidIndexPath(e.path)) throw new UsageError(`bad index path ${JSON.stringify(e.path)}`);
  return e.stage === undefined ? `${e.mode} ${e.sha}\t${e.path}\0` : `${e.mode} ${e.sha} ${e.stage}\t${e.path}\0`;
}

/**
 * Stages `entries` with one `git update-index -z --index-info`, streaming them to git's stdin
 * (so millions of entries need no buffer). Entries are applied in order; a later entry for the
 * same path wins. Works in bare repositories too. Throws GitCommandError when git fails, UsageError
 * for a malformed entry (then nothing is written to the index).
 */
export async function updateIndexInfo(opts: IndexTarget & { entries: Iterable<IndexEntry> | AsyncIterable<IndexEntry> }): Promise<void> {
  const args = ['update-index', '-z', '--index-info'];
  const child = spawn('git', args, { cwd: opts.cwd, env: indexEnv(opts), stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => {
    stderr += b.toString('utf8');
  });
  let stdinFailed = false;
  child.stdin.on('error', () => {
    stdinFailed = true; // git died early; its exit code and stderr say why
  });
  const closed = new Promise<number>((res, rej) => {
    child.on('error', rej);
    child.on('close', (code) => res(code ?? 128));
  });
  closed.catch(() => undefined); // awaited below; this only keeps an early spawn error from being "unhandled"
  try {
    let batch = '';
    for await (const e of opts.entries) {
      batch += formatIndexInfo(e);
      if (batch.length >= 65536) {
        if (stdinFailed) break;
        if (!child.stdin.write(batch)) await Promise.race([once(child.stdin, 'drain').catch(() => undefined), closed]); // EPIPE: git exited, see below
        batch = '';
      }
    }
    child.stdin.end(batch);
  } catch (e) {
    // A record git cannot parse makes it die before it writes the index, through its normal exit
    // path, which removes index.lock. (A signal could land between git creating the lock and
    // registering its clean-up, and leave the lock behind.)
    child.stdin.end('not index info\0');
    await closed.catch(() => undefined);
    throw e;
  }
  const code = await closed;
  if (code !== 0) throw new GitCommandError({ args, exitCode: code, stderr });
}

/** Writes the tree of an index (`git write-tree`) and returns its id. */
export async function writeTree(opts: IndexTarget & { spawner?: Spawner }): Promise<string> {
  const args = ['write-tree'];
  const r = await (opts.spawner ?? nodeSpawner).run('git', args, { cwd: opts.cwd, env: indexEnv(opts) });
  if (r.code !== 0) throw new GitCommandError({ args, exitCode: r.code, stderr: r.stderr });
  return r.stdout.toString('utf8').trim();
}

/**
 * Replaces the contents of `indexFile` with the tree of `treeish` (`git read-tree`, no merge, the
 * work tree untouched). The index file is created when missing.
 */
export async function readTreeIntoIndex(opts: { cwd: string; indexFile: string; treeish: string; spawner?: Spawner }): Promise<void> {
  if (opts.treeish.startsWith('-')) throw new UsageError(`bad tree-ish ${JSON.stringify(opts.treeish)}`);
  const args = ['read-tree', opts.treeish];
  const r = await (opts.spawner ?? nodeSpawner).run('git', args, { cwd: opts.cwd, env: indexEnv(opts) });
  if (r.code !== 0) throw new GitCommandError({ args, exitCode: r.code, stderr: r.stderr });
}
