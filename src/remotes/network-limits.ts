// How long a network operation may stay silent or last (arbor.network.*), and the ssh options that follow from it.

import type { Git } from '../git/git.js';
import { UsageError } from '../util/errors.js';
import type { SshCommand } from './remote.js';
import { sshCachingEnabled, sshCachingOptions } from './ssh-caching.js';

/** The time-outs of network operations, from git config. */
export interface NetworkLimits {
  /** A fetch, push or ssh connection that sends no byte for this long is ended (ms; 0: never). arbor.network.stallseconds, default 60. */
  readonly stallMs: number;
  /** Any one fetch or push is ended after this long (ms; 0: never). arbor.network.timeoutseconds, default 3600. */
  readonly timeoutMs: number;
  /** The assistant's first wait before retrying an unreachable remote (ms); it doubles with each failure, up to 1 h. arbor.network.retryseconds, default 60. */
  readonly retryMs: number;
  /** Share one ssh connection per host (git-annex's annex.sshcaching; absent: yes). */
  readonly sshCaching?: boolean;
}

/** The defaults, in seconds, as documented in README's configuration table. */
export const NETWORK_DEFAULTS = { stallseconds: 60, timeoutseconds: 3600, retryseconds: 60 } as const;

/** The keys read, as git config prints them (lower case). */
export const NETWORK_KEYS = Object.keys(NETWORK_DEFAULTS).map((k) => `arbor.network.${k}`);

/** The limits from config values (`get` returns a key's value or undefined); a bad value is a one-line error naming the key. */
export function networkLimitsFrom(get: (key: string) => string | undefined): NetworkLimits {
  const seconds = (name: keyof typeof NETWORK_DEFAULTS, min: number): number => {
    const key = `arbor.network.${name}`;
    const v = get(key);
    if (v === undefined) return NETWORK_DEFAULTS[name] * 1000;
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < min) {
      throw new UsageError(`git config ${key}=${v} is not a number of seconds${min > 0 ? ` (at least ${min})` : ' (0 turns it off)'}`, { key });
    }
    return Math.round(n * 1000);
  };
  return { stallMs: seconds('stallseconds', 0), timeoutMs: seconds('timeoutseconds', 0), retryMs: seconds('retryseconds', 1), sshCaching: sshCachingEnabled(get('annex.sshcaching')) };
}

/** Reads arbor.network.* from a repository's config. */
export async function readNetworkLimits(git: Git): Promise<NetworkLimits> {
  const entries = new Map(await git.configGetRegexp('^(arbor\\.network\\.|annex\\.sshcaching$)'));
  return networkLimitsFrom((k) => entries.get(k));
}

/**
 * ssh options that bound the connect and handshake and notice a dead peer within about the stall
 * time: ConnectTimeout, ServerAliveInterval and ServerAliveCountMax. Empty when the stall watch is off.
 */
export function sshTimeoutOptions(limits: Pick<NetworkLimits, 'stallMs'>): string[] {
  if (limits.stallMs <= 0) return [];
  const stall = Math.max(1, Math.ceil(limits.stallMs / 1000));
  const alive = Math.max(1, Math.ceil(stall / 3));
  return ['-o', `ConnectTimeout=${stall}`, '-o', `ServerAliveInterval=${alive}`, '-o', 'ServerAliveCountMax=3'];
}

/** Whether a command line runs OpenSSH's client itself (its first word is `ssh`, with or without a directory). */
function isPlainSsh(command: string): boolean {
  const first = command.trim().split(/\s+/)[0] ?? '';
  return /(^|\/)ssh$/.test(first);
}

/**
 * The GIT_SSH_COMMAND that makes git's ssh use our time-outs, or undefined to leave git's choice
 * alone. The user's command (GIT_SSH_COMMAND, else core.sshCommand) keeps its options, which ssh
 * takes first (the first value of an option wins), so our -o options only fill in what the user
 * did not set. A wrapper program (anything not `ssh`, and GIT_SSH) is never given options it may
 * not understand; the stall watch still bounds it.
 */
export function gitSshCommand(ssh: SshCommand, limits: Pick<NetworkLimits, 'stallMs' | 'sshCaching'>): string | undefined {
  const extra = [...sshTimeoutOptions(limits), ...(limits.sshCaching === false ? [] : sshCachingOptions())];
  if (extra.length === 0) return undefined;
  if ('shellCommand' in ssh) return isPlainSsh(ssh.shellCommand) ? `${ssh.shellCommand} ${extra.join(' ')}` : undefined;
  return ssh.program === 'ssh' ? `ssh ${extra.join(' ')}` : undefined;
}

/** The options to add to a direct ssh invocation (arbor's own git-annex-shell conversations), by the same rule. */
export function sshArgsFor(ssh: SshCommand, limits: Pick<NetworkLimits, 'stallMs' | 'sshCaching'>, sshOptions = ''): string[] {
  const plain = 'shellCommand' in ssh ? isPlainSsh(ssh.shellCommand) : /(^|\/)ssh$/.test(ssh.program);
  if (!plain) return [];
  return [...sshTimeoutOptions(limits), ...(limits.sshCaching === false ? [] : sshCachingOptions(sshOptions))];
}
