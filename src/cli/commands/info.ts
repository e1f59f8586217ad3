// `git arbor info`: the repository at a glance.

import { repositoryInfo } from '../../content/info.js';
import { withSession } from '../repo-context.js';
import type { ArborCommand } from '../command.js';

function size(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

/** Prints uuid, description, copies, remotes and known repositories. */
export const infoCommand: ArborCommand = {
  name: 'info',
  summary: 'show information about this repository, its remotes and content',
  configure: (cmd) => void cmd.option('--json', 'machine-readable output'),
  run: (ctx, _args, opts) =>
    withSession(ctx, async (session) => {
      const info = await repositoryInfo(session);
      if (opts.json === true) {
        ctx.out.json(info);
        return 0;
      }
      const lines = [
        `uuid: ${info.uuid}`,
        `description: ${info.description}`,
        `repository version: ${info.annexVersion}${info.bare ? ' (bare)' : ''}`,
        `numcopies: ${info.numcopies}`,
        `annexed files in working tree: ${info.annexedFiles} (${info.annexedFilesPresent} present here)`,
        `local annex keys: ${info.localObjects}`,
        `local annex size: ${size(info.localObjectBytes)}`,
        `remotes:`,
        ...info.remotes.map((r) => `  ${r.name}\t${r.uuid || '(not yet known)'}\tcost ${r.cost}\t${r.url}`),
        `repositories:`,
        ...info.repositories.map((r) => `  ${r.uuid} -- ${r.description}${r.here ? ' [here]' : ''}${r.trust === 'semitrusted' ? '' : ` (${r.trust})`}`),
      ];
      for (const l of lines) ctx.out.line(l);
      return 0;
    }),
};
