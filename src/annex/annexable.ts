// The decision every ingest path shares: does this file go to the annex or to git?

import type { LargeFilesRules } from './largefiles.js';

/** Whether a path has a component starting with "." (git-annex keeps dotfiles in git by default). */
export function isDotPath(path: string): boolean {
  return path.split('/').some((part) => part.startsWith('.') && part !== '.' && part !== '..');
}

/**
 * The annex-or-git decision, as git-annex makes it for `add` and for `git add` through its filter:
 * a file already annexed stays annexed; dotfiles stay in git unless annex.dotfiles is set; else
 * annex.largefiles decides.
 */
export async function shouldAnnex(options: {
  readonly rules: LargeFilesRules;
  readonly path: string;
  readonly absolutePath: string;
  readonly size: number;
  readonly dotfiles: boolean;
  readonly alreadyAnnexed: boolean;
}): Promise<boolean> {
  if (options.alreadyAnnexed) return true;
  if (!options.dotfiles && isDotPath(options.path)) return false;
  return options.rules.isLarge({ path: options.path, size: options.size, absolutePath: options.absolutePath });
}
