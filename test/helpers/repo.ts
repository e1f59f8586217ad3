// Real git repositories in temp dirs for tests.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ok } from './run.js';
import { tempDir } from './tmp.js';

/** `git init` (optionally bare) in a fresh temp dir; returns its path. */
export async function makeRepo(options: { bare?: boolean; name?: string; parent?: string } = {}): Promise<string> {
  const parent = options.parent ?? tempDir('arbor-repo-');
  const path = join(parent, options.name ?? (options.bare ? 'bare.git' : 'repo'));
  await ok('git', ['init', '-q', ...(options.bare ? ['--bare'] : []), path]);
  return path;
}

/** Writes files (path → content) under `root`, creating directories. */
export function writeFiles(root: string, files: Record<string, string | Buffer>): void {
  for (const [p, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), content);
  }
}

/** git in `cwd`, returning trimmed stdout (throws on failure). */
export async function git(cwd: string, ...args: string[]): Promise<string> {
  return (await ok('git', args, { cwd })).trim();
}
