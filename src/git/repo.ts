// Finding a git repository from a path: its git dir, work tree and common dir.
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { nodeSpawner } from '../util/spawn.js';
import type { Spawner } from '../util/spawn.js';
import { NotAGitRepositoryError } from './errors.js';
import { discoverRepository } from './discover.js';

/** Where a repository lives. All paths are absolute. */
export interface RepoInfo {
  /** The git directory (`.git`, or `.git/worktrees/<name>` for a linked work tree, or the bare repo). */
  readonly gitDir: string;
  /** The top of the work tree; undefined when the repository is bare. */
  readonly workTree: string | undefined;
  /** True for a bare repository. */
  readonly bare: boolean;
  /** The directory shared by all work trees (objects, refs, config); equals gitDir without linked work trees. */
  readonly commonDir: string;
}

/**
 * Environment variables that point git at a repository or index. Inherited values would make git
 * ignore the repository we name by cwd (e.g. when arbor itself runs from a git hook or alias).
 */
const REPO_LOCATING_VARS = [
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_INDEX_FILE',
  'GIT_COMMON_DIR',
  'GIT_OBJECT_DIRECTORY',
  'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_NAMESPACE',
  'GIT_PREFIX',
] as const;

/**
 * The environment for a git child process: this process's environment without the variables that
 * locate a repository, plus `extra` (which may set them again on purpose, e.g. GIT_INDEX_FILE).
 */
export function gitEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of REPO_LOCATING_VARS) delete env[name];
  return { ...env, ...extra };
}

/**
 * Finds the repository containing `path` (a directory or a file inside one), as git would from
 * there. Throws NotAGitRepositoryError when there is none, including when `path` does not exist.
 */
export async function findRepository(path: string, deps: { spawner?: Spawner } = {}): Promise<RepoInfo> {
  const spawner = deps.spawner ?? nodeSpawner;
  const absolute = resolve(path);
  let dir = absolute;
  try {
    if (!(await stat(absolute)).isDirectory()) dir = dirname(absolute);
  } catch (e) {
    throw new NotAGitRepositoryError(absolute, e);
  }
  // The file system answers for an ordinary repository; git for every other layout.
  const found = await discoverRepository(dir);
  if (found) return found;
  const env = gitEnv();
  const r = await spawner.run('git', ['rev-parse', '--is-bare-repository', '--is-inside-work-tree', '--absolute-git-dir', '--git-common-dir'], { cwd: dir, env });
  const [bareLine, insideLine, gitDir, commonDirLine] = r.stdout.toString('utf8').split('\n');
  if (r.code !== 0 || gitDir === undefined || commonDirLine === undefined) throw new NotAGitRepositoryError(absolute);
  const bare = bareLine === 'true';
  const commonDir = resolve(dir, commonDirLine);
  if (bare) return { gitDir, workTree: undefined, bare, commonDir };
  if (insideLine === 'true') {
    const top = await spawner.run('git', ['rev-parse', '--show-toplevel'], { cwd: dir, env });
    const workTree = top.stdout.toString('utf8').split('\n')[0];
    if (top.code !== 0 || workTree === undefined || workTree === '') throw new NotAGitRepositoryError(absolute);
    return { gitDir, workTree, bare, commonDir };
  }
  // Inside the git dir of a non-bare repository: git cannot name the work tree from here.
  return { gitDir, workTree: await workTreeOfGitDir(gitDir), bare, commonDir };
}

/**
 * The work tree belonging to a non-bare git dir when we stand inside that git dir: the parent of
 * a `.git` directory, or the directory named by a linked work tree's `gitdir` file.
 */
async function workTreeOfGitDir(gitDir: string): Promise<string | undefined> {
  if (basename(gitDir) === '.git') return dirname(gitDir);
  try {
    const pointer = (await readFile(resolve(gitDir, 'gitdir'), 'utf8')).trim();
    return dirname(resolve(gitDir, pointer));
  } catch {
    return undefined;
  }
}
