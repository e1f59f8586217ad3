// `git arbor assistant [folder]`: start (detached), run in the foreground, stop, or install autostart.

import { resolve } from 'node:path';
import { DAEMON_NODE_FLAGS } from '../../assistant/daemon-flags.js';
import { startDetached, stopAssistant } from '../../assistant/control.js';
import { installAutostart } from '../../assistant/autostart.js';
import { prepareFolder, type PreparedFolder } from '../../assistant/folder.js';
import { findRepository } from '../../git/repo.js';
import { systemClock } from '../../util/clock.js';
import { UsageError } from '../../util/errors.js';
import { selfArgv, selfCommand } from '../self-command.js';
import type { ArborCommand } from '../command.js';

/** The daemon's controls. */
export const assistantCommand: ArborCommand = {
  name: 'assistant',
  // With a folder, prepareFolder checks that folder itself (the current directory does not matter).
  writes: (args, opts) => opts.stop !== true && opts.print !== true && typeof args[0] !== 'string',
  summary: 'keep this repository, or a given folder, in sync in the background (start, --foreground, --stop, --autostart)',
  configure: (cmd) =>
    void cmd
      .argument(
        '[folder]',
        'run there instead of in the current repository: the folder is created if missing, made a git repository (git init) unless it is the top of one, and initialised for arbor (as init does); each step is skipped when done already',
      )
      .option('--foreground', 'stay attached and log to stderr')
      .option('--stop', 'stop the running assistant: it commits and pushes what is pending, and is gone within 35 s (killed after 45 s)')
      .option('--autostart', 'start the assistant at login (installs a systemd user unit, or prints it)')
      .option('--print', 'with --autostart: print the unit instead of installing it')
      .option('--json', 'machine-readable output'),
  run: async (ctx, args, opts) => {
    const modes = ['foreground', 'stop', 'autostart'].filter((m) => opts[m] === true);
    if (modes.length > 1) throw new UsageError(`choose one of --${modes.join(', --')}`);
    const folder = typeof args[0] === 'string' ? resolve(ctx.cwd, args[0]) : undefined;
    if (opts.stop === true) {
      const pid = await stopAssistant({ path: folder ?? ctx.cwd, clock: systemClock });
      if (opts.json === true) ctx.out.json({ stopped: pid !== undefined, ...(pid ? { pid } : {}) });
      else ctx.out.line(pid ? `assistant stopped (pid ${pid})` : 'the assistant is not running');
      return 0;
    }
    const prepared = folder && opts.print !== true ? await prepareFolder(folder, { filterCommand: selfCommand(['filter-process'], ctx.env) }) : undefined;
    const path = folder ?? ctx.cwd;
    if (opts.foreground === true) {
      // Loaded only here: starting, stopping and autostart need none of the daemon's workers.
      const { runDaemon } = await import('../../assistant/daemon.js');
      await runDaemon({ path, ...(ctx.env.ARBOR_DAEMON ? {} : { stderr: ctx.out.stderr }), handleSignals: true });
      return 0;
    }
    const repo = await findRepository(path);
    const workTree = repo.workTree ?? repo.gitDir;
    if (opts.autostart === true) {
      const r = await installAutostart({ workTree, command: selfArgv(['assistant', '--foreground'], DAEMON_NODE_FLAGS), print: opts.print === true });
      if (opts.json === true) ctx.out.json(r);
      else if (r.file) ctx.out.line(`${setupSaid(prepared)}${r.note}`);
      else ctx.out.line(`${r.note}\n\n${r.text}`);
      return 0;
    }
    const pid = await startDetached({ path, command: selfArgv(['assistant', '--foreground'], DAEMON_NODE_FLAGS), clock: systemClock });
    const log = `${repo.gitDir}/annex/arbor/daemon.log`;
    if (opts.json === true) {
      const setup = prepared ? { folder: prepared.path, createdFolder: prepared.createdFolder, gitInit: prepared.gitInit, initialised: prepared.init.created } : {};
      ctx.out.json({ started: true, pid, ...setup });
    } else ctx.out.line(`${setupSaid(prepared)}assistant started${prepared ? ` in ${prepared.path}` : ''} (pid ${pid}); log: ${log}`);
    return 0;
  },
};

/** What prepareFolder did, as the start of the one line the command prints ("" when nothing). */
function setupSaid(prepared: PreparedFolder | undefined): string {
  if (!prepared) return '';
  const done = [prepared.createdFolder ? 'created the folder' : '', prepared.gitInit ? 'made it a git repository' : '', prepared.init.created ? 'initialised it for arbor' : ''].filter(Boolean);
  return done.length > 0 ? `${done.join(', ')}; ` : '';
}
