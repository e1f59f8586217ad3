// The per-file loop of content commands: one line (or JSON object) per file, failures counted, never fatal.

import { relative, join } from 'node:path';
import { formatKey } from '../annex/key.js';
import type { AnnexedFile } from '../content/annexed-files.js';
import { describeError } from '../util/errors.js';
import type { CliContext } from './command.js';
import { createProgressBar } from './progress.js';
import type { Progress } from '../remotes/remote.js';

/** What an action reports for a file: a note shown after the name, or nothing to say. */
export type FileOutcome = { readonly note?: string; readonly skipped?: boolean };

/**
 * Runs `action` on every file: prints "<command> <file> (<note>) ok" or "... failed" with the
 * reason on stderr, or one JSON object per file with --json. Returns exit code 1 if any failed.
 */
export async function forEachFile(
  ctx: CliContext,
  options: { command: string; json: boolean; workTree: string; files: readonly AnnexedFile[] },
  action: (file: AnnexedFile, progress: Progress | undefined) => Promise<FileOutcome>,
): Promise<number> {
  let failed = 0;
  for (const file of options.files) {
    const shown = relative(ctx.cwd, join(options.workTree, file.path)) || file.path;
    const bar = !options.json && ctx.out.isTTY ? createProgressBar(ctx.out.stderr, `${options.command} ${shown}`) : undefined;
    try {
      const outcome = await action(file, bar?.update);
      bar?.stop();
      if (outcome.skipped) continue;
      if (options.json) {
        ctx.out.json({ command: options.command, file: shown, key: formatKey(file.key), success: true, ...(outcome.note ? { note: outcome.note } : {}) });
      } else {
        ctx.out.line(`${options.command} ${shown}${outcome.note ? ` (${outcome.note})` : ''} ok`);
      }
    } catch (err) {
      bar?.stop();
      failed++;
      if (options.json) {
        ctx.out.json({ command: options.command, file: shown, key: formatKey(file.key), success: false, error: describeError(err) });
      } else {
        ctx.out.line(`${options.command} ${shown} failed`);
        ctx.out.warn(describeError(err));
      }
    }
  }
  if (failed > 0 && !options.json) ctx.out.warn(`${options.command}: ${failed} failed`);
  return failed > 0 ? 1 : 0;
}
