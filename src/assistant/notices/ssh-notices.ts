// Change notices from an ssh remote: one long-lived `ssh host git-annex-shell notifychanges <dir>`.

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { SshCommand } from '../../remotes/remote.js';
import type { RemoteConfig } from '../../remotes/remote.js';
import type { SshLocation } from '../../remotes/ssh-url.js';
import { shellQuote } from '../../remotes/ssh-url.js';
import { sshInvocation } from '../../remotes/ssh.js';
import type { NetworkLimits } from '../../remotes/network-limits.js';
import type { Clock } from '../../util/clock.js';
import { parseNotifyLine } from './notify-protocol.js';
import { noticeShell } from './notice-plan.js';
import type { NoticeConnection, NoticeEnd, NoticeHandlers } from './notice-source.js';

/** How long a closed connection's ssh may take to leave after its stdin closed, before it is killed (ms). */
const CLOSE_GRACE_MS = 2000;

/** The failures that trying again will not mend: no git-annex-shell on the host, or the host refuses it. */
function permanentFailure(stderr: string, code: number | null, shell: string): boolean {
  if (code === 255) return false; // ssh's own failure: the host may come back
  return (/command not found|No such file/.test(stderr) && stderr.includes(shell)) || /invalid command|disallowed command|unknown command/i.test(stderr);
}

/**
 * Opens the listener. The ssh invocation is the one arbor's ssh remotes use (core.sshCommand or
 * GIT_SSH_COMMAND, remote.<name>.annex-ssh-options, remote.<name>.annex-shell, and keep-alive
 * options from arbor.network.stallseconds, so a server that vanishes ends the connection within
 * about that time). git-annex-shell exits when its stdin closes, which is how close() ends it.
 */
export function openSshNotices(options: {
  readonly ssh: SshCommand;
  readonly location: SshLocation;
  readonly config: RemoteConfig;
  readonly limits: Pick<NetworkLimits, 'stallMs'>;
  readonly clock: Clock;
  readonly handlers: NoticeHandlers;
}): NoticeConnection {
  const shell = noticeShell(options.config);
  // As git-annex sends it: the program unquoted (a forced command matches `git-annex-shell 'cmd' …`).
  const command = [shell, shellQuote('notifychanges'), shellQuote(options.location.path)].join(' ');
  const { cmd, args } = sshInvocation(options.ssh, options.location, options.config, command, options.limits);
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  let ready = false;
  child.stderr.on('data', (b: Buffer) => {
    stderr = (stderr + b.toString('utf8')).slice(-4096);
  });
  child.stdin.on('error', () => undefined); // the ssh went away first; `close` says why
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    const m = parseNotifyLine(line);
    if (m?.type === 'ready' && !ready) {
      ready = true;
      options.handlers.ready();
    } else if (m?.type === 'changed' && ready) {
      options.handlers.changed({ shas: m.shas });
    }
  });
  let closing = false;
  const ended = new Promise<NoticeEnd>((resolve) => {
    child.on('error', (err) => resolve({ reason: `cannot run ${cmd}: ${err.message}`, permanent: false }));
    child.on('close', (code) => {
      const last = stderr.split('\n').map((l) => l.replace(/^git-annex-shell: /, '').trim()).filter(Boolean).at(-1);
      if (closing) resolve({ reason: 'closed', permanent: false });
      else if (ready) resolve({ reason: last ? `connection lost: ${last}` : 'connection lost', permanent: false });
      else resolve({ reason: last ?? `ssh to ${options.location.host} failed (exit ${code ?? '?'})`, permanent: permanentFailure(stderr, code, shell) });
    });
  });
  return {
    ended,
    close: () => {
      if (closing) return;
      closing = true;
      child.stdin.end();
      const grace = new AbortController();
      void options.clock.sleep(CLOSE_GRACE_MS, grace.signal).then(() => child.kill(), () => undefined);
      void ended.then(() => grace.abort());
    },
  };
}
