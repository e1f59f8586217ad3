// ssh connection caching (git-annex's annex.sshcaching): one ssh connection per host, shared by every
// fetch, push, notice and transfer through OpenSSH's ControlMaster.

import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Seconds a cached connection stays after its last session ends, so the next command reuses it. */
export const CONTROL_PERSIST_SECONDS = 60;

/** Unix socket paths are limited to 108 bytes (104 on the BSDs); ssh adds a temporary suffix while binding. */
const MAX_SOCKET_PATH = 90;

/** The socket directory per user, or null when it cannot be used safely; found once per process. */
let socketDir: string | null | undefined;

/**
 * `<tmp>/arbor-ssh-<uid>`, created private (0700). Anything else there (another user's directory,
 * one others can write, a symlink) means no caching: a socket others could place is a connection
 * others could take over.
 */
function privateSocketDir(): string | null {
  if (socketDir !== undefined) return socketDir;
  const uid = process.getuid?.() ?? 0;
  const dir = join(tmpdir(), `arbor-ssh-${uid}`);
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch {
    // It exists (checked below) or cannot be made (then lstat fails too).
  }
  try {
    const st = lstatSync(dir);
    socketDir = st.isDirectory() && st.uid === uid && (st.mode & 0o077) === 0 ? dir : null;
  } catch {
    socketDir = null;
  }
  return socketDir;
}

/**
 * The ssh options that share one connection per destination: ControlMaster=auto (the first ssh
 * to a host becomes the master, the others ride on it), ControlPersist (the master stays a minute
 * after its last session, in the background with its standard streams closed, so it never holds a
 * caller's pipe open), and a ControlPath per user, destination (ssh's %C: local host, remote host,
 * port and user) and `variant` (the remote's own ssh options, so a connection made with one key is
 * never reused for a remote configured with another). Empty when caching is off or no safe socket
 * directory exists. Options given earlier on the command line win (ssh keeps the first value), so
 * a user's own ControlMaster settings stay in force.
 */
export function sshCachingOptions(variant = ''): string[] {
  const dir = privateSocketDir();
  if (!dir) return [];
  const tag = createHash('sha256').update(variant).digest('hex').slice(0, 8);
  const path = join(dir, `${tag}-%C`);
  // %C expands to 40 hex digits.
  if (path.length - 2 + 40 > MAX_SOCKET_PATH) return [];
  return ['-o', 'ControlMaster=auto', '-o', `ControlPersist=${CONTROL_PERSIST_SECONDS}`, '-o', `ControlPath=${path}`];
}

/** Whether `annex.sshcaching` allows caching (git-annex's setting; unset means yes). */
export function sshCachingEnabled(value: string | undefined): boolean {
  if (value === undefined) return true;
  return !/^(false|no|off|0)$/i.test(value.trim());
}
