// Which remotes the assistant listens to for change notices, and how: pure, from the remotes' config and the settings.

import type { RemoteConfig } from '../../remotes/remote.js';
import { localPathOf } from '../../remotes/git-local.js';
import { parseSshUrl, type SshLocation } from '../../remotes/ssh-url.js';

/** One listener to run: its key changes whenever what it listens to changes (then it is restarted). */
export type NoticeTarget =
  /** `ssh host git-annex-shell notifychanges <dir>`: one long-lived connection. */
  | { readonly kind: 'ssh'; readonly remote: string; readonly key: string; readonly location: SshLocation; readonly config: RemoteConfig }
  /** A filesystem watch on the refs of a repository on a local path (a directory, a drive, a bare repository). */
  | { readonly kind: 'local'; readonly remote: string; readonly key: string; readonly path: string }
  /** arbor.assistant.noticecommand: each line it prints names a remote that changed. */
  | { readonly kind: 'command'; readonly remote: ''; readonly key: string; readonly command: string };

/** A sync remote that gets no notices, and why (shown in status as "off"). */
export interface NoticeOff {
  readonly remote: string;
  readonly reason: string;
}

/** The plan: listeners to run and remotes left to the fetch schedule. */
export interface NoticePlan {
  readonly listen: readonly NoticeTarget[];
  readonly off: readonly NoticeOff[];
}

/**
 * The listeners for `remotes` (the sync remotes, in the order given). With notify off every
 * remote is off; a remote whose URL is neither a local path nor ssh (http, a special remote's
 * placeholder) is off and left to the fetch schedule. `base` resolves relative paths, as git
 * resolves them from the work tree. The notice command runs whenever it is set, notify or not
 * being about the built-in listeners only when it is false (a user who sets a command wants it).
 */
export function planNotices(options: {
  readonly remotes: readonly RemoteConfig[];
  readonly notify: boolean;
  readonly noticeCommand?: string | undefined;
  readonly base: string;
  /** How ssh is run (core.sshCommand, GIT_SSH_COMMAND): part of an ssh listener's key, so a change restarts it. */
  readonly sshCommand?: string;
}): NoticePlan {
  const listen: NoticeTarget[] = [];
  const off: NoticeOff[] = [];
  for (const r of options.remotes) {
    if (!options.notify) {
      off.push({ remote: r.name, reason: 'arbor.assistant.notify is false' });
      continue;
    }
    const ssh = parseSshUrl(r.url);
    if (ssh) {
      const shell = noticeShell(r);
      listen.push({ kind: 'ssh', remote: r.name, location: ssh, config: r, key: `ssh\0${r.name}\0${r.url}\0${shell}\0${r.sshOptions ?? ''}\0${options.sshCommand ?? ''}` });
      continue;
    }
    const path = localPathOf(r.url, options.base);
    if (path) {
      listen.push({ kind: 'local', remote: r.name, path, key: `local\0${r.name}\0${path}` });
      continue;
    }
    off.push({ remote: r.name, reason: `no change notices for ${r.url}; fetched on schedule` });
  }
  if (options.noticeCommand) listen.push({ kind: 'command', remote: '', command: options.noticeCommand, key: `command\0${options.noticeCommand}` });
  return { listen, off };
}

/**
 * The server program an ssh listener runs: remote.<name>.annex-shell when set, `git-arbor serve`
 * on a host known to run it (remote.<name>.arbor-serve, probed at the first content connection),
 * else git-annex-shell. All three answer `notifychanges DIR` alike.
 */
export function noticeShell(config: Pick<RemoteConfig, 'annexShell' | 'arborServe'>): string {
  return config.annexShell ?? (config.arborServe === true ? 'git-arbor serve' : 'git-annex-shell');
}
