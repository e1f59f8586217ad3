// How git should start this arbor (for the filter process): by name when on PATH, else by absolute path.

import { accessSync, constants, realpathSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { packageRoot } from '../util/package-root.js';

/** Quotes a word for sh (git runs filter commands through the shell). */
function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * This arbor's script, absolute and with links resolved. Node also starts `bin/git-arbor` when
 * asked for it without its `.js`, leaving process.argv[1] naming a file that does not exist.
 */
function ownScript(): string {
  const arg = process.argv[1] ?? '';
  for (const path of [arg, `${arg}.js`]) {
    try {
      return realpathSync(path);
    } catch {
      // not this spelling
    }
  }
  return realpathSync(join(packageRoot(), 'bin', 'git-arbor.js'));
}

/**
 * The command line git should run for `git-arbor <args>`: just `git-arbor …` when the git-arbor
 * found on PATH is this very installation (like git-annex writes `git-annex filter-process`),
 * otherwise node and this script by absolute path, so the filter works even when arbor is run
 * from a checkout that is not on PATH. A filter git cannot start would break every `git add`.
 */
export function selfCommand(args: readonly string[], env: NodeJS.ProcessEnv = process.env): string {
  const script = ownScript();
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, 'git-arbor');
    try {
      accessSync(candidate, constants.X_OK);
      if (realpathSync(candidate) === script) return ['git-arbor', ...args].join(' ');
      break;
    } catch {
      // not in this directory
    }
  }
  return [process.execPath, script, ...args].map(shellQuote).join(' ');
}

/** argv to start this arbor again (node with `nodeFlags`, and the script, absolute), for detached and systemd starts. */
export function selfArgv(args: readonly string[], nodeFlags: readonly string[] = []): string[] {
  return [process.execPath, ...nodeFlags, ownScript(), ...args];
}
