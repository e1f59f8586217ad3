// Finding the repository of a directory by reading the file system, as git does, without starting git.
import { lstat, readFile, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { RepoInfo } from './repo.js';

/**
 * The repository containing directory `dir`, found by walking up to the first `.git` directory,
 * or undefined whenever the layout is one this walk does not decide on its own and git must be
 * asked: a `.git` file (linked work trees, submodules), a git dir on the way up (a directory
 * inside `.git`), a config that sets `core.worktree` or includes other files, a bare repository
 * whose config does not say `bare = true`, a git dir owned by another user
 * (git's safe.directory check), GIT_CEILING_DIRECTORIES or GIT_DISCOVERY_ACROSS_FILESYSTEM.
 * Every command would otherwise start one or two `git rev-parse` just to learn where it runs.
 * The variables that point git at a repository (GIT_DIR, GIT_WORK_TREE) are ignored here as they
 * are for every git arbor starts (repo.ts, gitEnv).
 */
export async function discoverRepository(dir: string, env: NodeJS.ProcessEnv = process.env): Promise<RepoInfo | undefined> {
  if (env.GIT_CEILING_DIRECTORIES !== undefined || env.GIT_DISCOVERY_ACROSS_FILESYSTEM !== undefined) return undefined;
  let current: string;
  try {
    // git reports paths with symbolic links resolved (it works from getcwd).
    current = await realpath(dir);
  } catch {
    return undefined;
  }
  const device = (await stat(current)).dev;
  // A bare repository named by its own directory (a remote on a drive, a hub) is common enough to read here.
  if (await looksLikeGitDir(current)) return (await plainRepository(current, { bare: true })) ? { gitDir: current, workTree: undefined, bare: true, commonDir: current } : undefined;
  for (;;) {
    if (await looksLikeGitDir(current)) return undefined; // inside a git dir: ask git
    const dotGit = join(current, '.git');
    const found = await lstat(dotGit).catch(() => undefined);
    if (found) {
      if (!found.isDirectory()) return undefined; // a `.git` file, or a symbolic link: ask git
      return (await plainRepository(dotGit, { bare: false })) ? { gitDir: dotGit, workTree: current, bare: false, commonDir: dotGit } : undefined;
    }
    const parent = dirname(current);
    if (parent === current) return undefined; // not in a repository: let git word the error
    // git stops at a file-system boundary unless told otherwise; so do we, by asking git.
    if ((await stat(parent)).dev !== device) return undefined;
    current = parent;
  }
}

/** Whether `dir` holds what makes a directory a git dir: HEAD, objects/ and refs/. */
async function looksLikeGitDir(dir: string): Promise<boolean> {
  const [head, objects, refs] = await Promise.all([
    stat(join(dir, 'HEAD')).catch(() => undefined),
    stat(join(dir, 'objects')).catch(() => undefined),
    stat(join(dir, 'refs')).catch(() => undefined),
  ]);
  return head?.isFile() === true && objects?.isDirectory() === true && refs?.isDirectory() === true;
}

/**
 * Whether `gitDir` is an ordinary repository: a git dir of our own user, not a linked one, whose
 * config does not move the work tree and says bare exactly when `bare` (a `.git` directory's work
 * tree is its parent; a bare repository's config says `bare = true`). Anything else is left to git.
 */
async function plainRepository(gitDir: string, expect: { bare: boolean }): Promise<boolean> {
  if (!(await looksLikeGitDir(gitDir))) return false;
  if (expect.bare && basename(gitDir) === '.git') return false;
  const owner = (await stat(gitDir)).uid;
  if (process.getuid !== undefined && owner !== process.getuid()) return false;
  if (await stat(join(gitDir, 'commondir')).catch(() => undefined)) return false;
  let config: string;
  try {
    config = await readFile(join(gitDir, 'config'), 'utf8');
  } catch {
    return false;
  }
  // A textual check is enough to decide "ask git": any mention of these settings (even a
  // commented one) sends the question to git, which reads the file properly.
  if (/worktree|include/i.test(config)) return false;
  const lines = config.split('\n').map((l) => l.trim().toLowerCase());
  const bareTrue = lines.some((l) => /^bare\s*=\s*(true|yes|on|1)$/.test(l) || l === 'bare');
  const bareFalse = lines.some((l) => /^bare\s*=\s*(false|no|off|0)$/.test(l));
  return expect.bare ? bareTrue && !bareFalse : !bareTrue;
}
