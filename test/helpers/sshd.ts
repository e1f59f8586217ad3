// A real sshd on 127.0.0.1 for ssh remote tests: its own host key, one client key, a client config file.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { onBeforeCleanup, tempDir } from './tmp.js';
import { childrenByParent } from '../../src/util/bounded-run.js';

const SSHD = '/usr/sbin/sshd';
const isRoot = process.getuid?.() === 0;

if (process.env.CI && (!existsSync(SSHD) || !isRoot)) {
  throw new Error('CI=true but sshd cannot run here: ssh remote tests must run in CI (apt-get install openssh-server, as root)');
}

/** Pass as test options: skips with the reason when no sshd can be started (never in CI, see above). */
export const needsSshd: { skip: string | false } = {
  skip: !existsSync(SSHD) ? 'needs sshd (apt-get install openssh-server)' : !isRoot ? 'needs root (sshd logs in as the current user with its own config)' : false,
};

/** A running test sshd. */
export interface TestSshd {
  /** The host alias the client config defines (use it in URLs: `${host}:/path`). */
  readonly host: string;
  readonly port: number;
  /** ssh client config file: `ssh -F <it>` reaches the server with the test key. */
  readonly clientConfig: string;
  /** The value for core.sshCommand / GIT_SSH_COMMAND. */
  readonly sshCommand: string;
  /** Connections open now (each is a child process of the listening sshd). */
  connections(): number;
  /** Logins so far (sshd's "Accepted publickey" lines): one per ssh connection made. */
  logins(): number;
  /** Stops the server; its open connections end, as when a host goes down. */
  stop(): Promise<void>;
  /** Starts it again on the same port, after stop(). */
  start(): Promise<void>;
}

/** Processes by parent, from /proc (the helper runs on Linux only). */
function processTree(): Map<number, number[]> {
  return childrenByParent() ?? new Map();
}

/** The direct children of `pid`. */
function childrenOf(pid: number): number[] {
  return processTree().get(pid) ?? [];
}

/** Every process below `pid` (by parent links in /proc), deepest first. */
function descendantsOf(pid: number): number[] {
  const children = processTree();
  const out: number[] = [];
  const walk = (p: number): void => {
    for (const c of children.get(p) ?? []) {
      walk(c);
      out.push(c);
    }
  };
  walk(pid);
  return out;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`sshd exited with ${child.exitCode}`);
    const up = await new Promise<boolean>((resolve) => {
      const c = connect(port, '127.0.0.1');
      c.once('connect', () => {
        c.destroy();
        resolve(true);
      });
      c.once('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`sshd did not listen on ${port}`);
}

/**
 * Starts sshd on a free port of 127.0.0.1; it is stopped when the test process ends.
 * `restricted`: the key may only run git-annex-shell (a forced command, git-annex-shell's
 * documented setup for a server account).
 */
export async function startSshd(options: { restricted?: boolean; keyOptions?: string; home?: string } = {}): Promise<TestSshd> {
  const dir = tempDir('arbor-sshd-');
  for (const k of ['host_key', 'client_key']) {
    const r = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, k)], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`ssh-keygen: ${r.stderr}`);
  }
  const pub = readFileSync(join(dir, 'client_key.pub'), 'utf8');
  const forced = options.keyOptions !== undefined ? `${options.keyOptions} ` : options.restricted ? 'command="git-annex-shell -c \\"$SSH_ORIGINAL_COMMAND\\"",restrict ' : '';
  // Every session gets the caller's hermetic HOME (the test's, or the bench's), unless the key
  // options set one: sshd runs commands through the login shell, and bash then reads the login's
  // ~/.bashrc, which on this machine starts pyenv (0.45 s of every 0.69 s `ssh host true`).
  const home = options.home ?? process.env.HOME;
  const homeOption = home && !/environment="HOME=/.test(forced) ? `environment="HOME=${home}"` : '';
  const keyOptions = [forced.trim().replace(/,$/, ''), homeOption].filter(Boolean).join(',');
  writeFileSync(join(dir, 'authorized_keys'), `${keyOptions ? `${keyOptions} ` : ''}${pub}`, { mode: 0o600 });
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const port = await freePort();
  const config = join(dir, 'sshd_config');
  const log = join(dir, 'sshd.log');
  writeFileSync(
    config,
    [
      'ListenAddress 127.0.0.1',
      `Port ${port}`,
      `HostKey ${join(dir, 'host_key')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      'MaxStartups 100',
      'MaxSessions 100',
      'LogLevel INFO',
      'PermitUserEnvironment yes',
      '',
    ].join('\n'),
  );
  const host = 'arbortest';
  const clientConfig = join(dir, 'ssh_config');
  writeFileSync(
    clientConfig,
    [
      `Host ${host}`,
      '  HostName 127.0.0.1',
      `  Port ${port}`,
      `  User ${userInfo().username}`,
      `  IdentityFile ${join(dir, 'client_key')}`,
      '  IdentitiesOnly yes',
      '  StrictHostKeyChecking no',
      '  UserKnownHostsFile /dev/null',
      '  BatchMode yes',
      '  LogLevel ERROR',
      '',
    ].join('\n'),
  );
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    // -D: stay in the foreground (a child of the test process); -e: log to stderr.
    // Unref'd, so a test file ends when its tests do; killed at exit (and by stop()).
    child = spawn(SSHD, ['-D', '-E', log, '-f', config], { stdio: 'ignore' });
    child.unref();
    await waitForPort(port, child);
  };
  const stop = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    const closed = new Promise((r) => c.once('close', r));
    c.ref(); // keep the loop alive until it has gone
    // A host going down takes its open connections with it: the sessions sshd forked (a notice
    // listener, a cached ssh connection) end too, not only the listener.
    const sessions = c.pid === undefined ? [] : descendantsOf(c.pid);
    c.kill('SIGTERM');
    for (const pid of sessions) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    await closed;
  };
  onBeforeCleanup(() => {
    if (child?.pid !== undefined) for (const pid of descendantsOf(child.pid)) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    child?.kill('SIGTERM');
  });
  await start();
  const connections = (): number => (child?.pid === undefined ? 0 : childrenOf(child.pid).length);
  const logins = (): number => (existsSync(log) ? (readFileSync(log, 'utf8').match(/^.*Accepted publickey/gm) ?? []).length : 0);
  return { host, port, clientConfig, sshCommand: `ssh -F ${clientConfig}`, connections, logins, stop, start };
}

/**
 * An sshd whose sessions find a git-annex-shell that always fails ahead of the real one on their
 * PATH: only `git arbor serve` can answer, so a client that fell back to git-annex-shell fails
 * loudly instead of passing unnoticed. `binDir` receives the stub.
 */
export async function startServeOnlySshd(binDir: string): Promise<TestSshd> {
  mkdirSync(binDir, { recursive: true });
  writeFileSync(join(binDir, 'git-annex-shell'), '#!/bin/sh\necho "git-annex-shell was run, serve was expected" >&2\nexit 1\n', { mode: 0o755 });
  return startSshd({ keyOptions: `environment="PATH=${binDir}:${process.env.PATH ?? ''}"` });
}
