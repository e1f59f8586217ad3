// The annexed files named by a command's path arguments (default: everything under the current directory).

import type { Annex } from '../annex/annex.js';
import { listAnnexedFiles, toTopRelative, type AnnexedFile } from '../content/annexed-files.js';
import type { CliContext } from './command.js';

/** Resolves `[paths...]` (relative to ctx.cwd) to the annexed files under them. */
export function annexedFilesFromArgs(ctx: CliContext, annex: Annex, args: readonly unknown[]): Promise<AnnexedFile[]> {
  const given = (args[0] as string[] | undefined) ?? [];
  return listAnnexedFiles(annex, toTopRelative(annex.workTree ?? '', ctx.cwd, given.length ? given : ['.']));
}
