// Debian's rclone and git-annex-remote-rclone for tests: a local rclone backend, found by every process the tests start.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { needsGitAnnex } from './git-annex.js';
import { testEnv } from './env.js';

const hasRclone = spawnSync('git-annex-remote-rclone', ['--version'], { input: '' }).error === undefined && spawnSync('rclone', ['version']).status === 0;

/** Skips a test without git-annex, rclone or git-annex-remote-rclone, saying which to install. */
export const needsRclone = { skip: needsGitAnnex.skip || (hasRclone ? false : 'needs rclone and git-annex-remote-rclone (apt-get install rclone git-annex-remote-rclone)') };

/** Writes an executable shell script `name` into `dir`. */
export function script(dir: string, name: string, body: string): void {
  writeFileSync(join(dir, name), `#!/bin/sh\n${body}`);
  chmodSync(join(dir, name), 0o755);
}

/**
 * Sets up `parent/bin` (put first on the tests' PATH) and an rclone config with one local backend,
 * `loc`, for every process the tests start (arbor, its daemons, git-annex, the remote programs).
 * Returns the bin directory, for more test programs.
 */
export function useRclone(parent: string): string {
  const bin = join(parent, 'bin');
  mkdirSync(bin, { recursive: true });
  // Debian's git-annex-remote-rclone parses `rclone size` output of older rclone releases ("Total
  // objects: 1"); today's rclone prints "Total objects: 1 (1)", which makes git-annex's own
  // CHECKPRESENT fail too. This wrapper restores the old line; everything else is the real rclone.
  const realRclone = spawnSync('sh', ['-c', 'command -v rclone'], { encoding: 'utf8' }).stdout.trim();
  script(bin, 'rclone', `if [ "$1" = size ]; then ${realRclone} "$@" 2>&1 | sed -E 's/^(Total objects: [0-9]+) \\([^)]*\\)/\\1/'; exit $?; fi\nexec ${realRclone} "$@"\n`);
  mkdirSync(join(parent, 'rclone'), { recursive: true });
  writeFileSync(join(parent, 'rclone', 'rclone.conf'), '[loc]\ntype = local\n');
  testEnv.PATH = `${bin}:${testEnv.PATH ?? ''}`;
  testEnv.RCLONE_CONFIG = join(parent, 'rclone', 'rclone.conf');
  return bin;
}
