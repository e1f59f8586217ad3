// Running arbor commands in tests: throw with stderr on failure, parse --json output.
import { runArbor } from './run.js';
import { git, makeRepo } from './repo.js';
import { join } from 'node:path';

/** Runs `git arbor args` in `cwd` and returns stdout; throws with stderr when it exits non-zero. */
export async function arbor(cwd: string, ...args: string[]): Promise<string> {
  const r = await runArbor(args, { cwd });
  if (r.code !== 0) throw new Error(`git arbor ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/**
 * A bare hub and `names.length` arbor clones of it, each initialised with its name as
 * description. Returns their paths (hub first, then clones in order).
 */
export async function hubAndClones(names: readonly string[]): Promise<{ hub: string; clones: string[]; parent: string }> {
  const hub = await makeRepo({ bare: true, name: 'hub.git' });
  const parent = join(hub, '..');
  const clones: string[] = [];
  for (const name of names) {
    await git(parent, 'clone', '-q', hub, name);
    const dir = join(parent, name);
    await arbor(dir, 'init', name);
    clones.push(dir);
  }
  return { hub, clones, parent };
}
