// `git init` of a directory: the one git command that makes a repository where there was none.

import { nodeSpawner, type Spawner } from '../util/spawn.js';
import { GitCommandError } from './errors.js';
import { gitEnv } from './repo.js';

/**
 * Runs `git init --quiet` on the existing directory `path` (a work tree with `.git` inside).
 * Like git, it is harmless on a repository that exists. Throws GitCommandError when git refuses.
 */
export async function gitInit(path: string, deps: { spawner?: Spawner } = {}): Promise<void> {
  const args = ['init', '--quiet', path];
  const r = await (deps.spawner ?? nodeSpawner).run('git', args, { env: gitEnv() });
  if (r.code !== 0) throw new GitCommandError({ args, exitCode: r.code, stderr: r.stderr });
}
