// `git arbor assistant`: start (detached), run in the foreground, stop, or install autostart.

import { DAEMON_NODE_FLAGS, runDaemon } from '../../assistant/daemon.js';
import { startDetached, stopAssistant } from '../../assistant/control.js';
import { installAutostart } from '../../assistant/autostart.js';
import { findRepository } from '../../git/repo.js';
import { systemClock } from '../../util/clock.js';
import { UsageError } from '../../util/errors.js';
import { selfArgv } from '../self-command.js';
import type { ArborCommand } from '../command.js';

/** The daemon's controls. */
export const assistantCommand: ArborCommand = {
  name: 'assistant',
  writes: (_args, opts) => opts.stop !== true && opts.print !== true,
  summary: 'keep this repository in sync in the background (start, --foreground, --stop, --autostart)',
  configure: (cmd) =>
    void cmd
      .option('--foreground', 'stay attached and log to stderr')
      .option('--stop', 'stop the running assistant: it commits and pushes what is pending, and is gone within 35 s (killed after 45 s)')
      .option('--autostart', 'start the assistant at login (installs a systemd user unit, or prints it)')
      .option('--print', 'with --autostart: print the unit instead of installing it')
      .option('--json', 'machine-readable output'),
  run: async (ctx, _args, opts) => {
    const modes = ['foreground', 'stop', 'autostart'].filter((m) => opts[m] === true);
    if (modes.length > 1) throw new UsageError(`choose one of --${modes.join(', --')}`);
    if (opts.stop === true) {
      const pid = await stopAssistant({ path: ctx.cwd, clock: systemClock });
      if (opts.json === true) ctx.out.json({ stopped: pid !== undefined, ...(pid ? { pid } : {}) });
      else ctx.out.line(pid ? `assistant stopped (pid ${pid})` : 'the assistant is not running');
      return 0;
    }
    if (opts.foreground === true) {
      await runDaemon({ path: ctx.cwd, ...(ctx.env.ARBOR_DAEMON ? {} : { stderr: ctx.out.stderr }), handleSignals: true });
      return 0;
    }
    const repo = await findRepository(ctx.cwd);
    const workTree = repo.workTree ?? repo.gitDir;
    if (opts.autostart === true) {
      const r = await installAutostart({ workTree, command: selfArgv(['assistant', '--foreground'], DAEMON_NODE_FLAGS), print: opts.print === true });
      if (opts.json === true) ctx.out.json(r);
      else if (r.file) ctx.out.line(r.note);
      else ctx.out.line(`${r.note}\n\n${r.text}`);
      return 0;
    }
    const pid = await startDetached({ path: ctx.cwd, command: selfArgv(['assistant', '--foreground'], DAEMON_NODE_FLAGS), clock: systemClock });
    if (opts.json === true) ctx.out.json({ started: true, pid });
    else ctx.out.line(`assistant started (pid ${pid}); log: ${repo.gitDir}/annex/arbor/daemon.log`);
    return 0;
  },
};
