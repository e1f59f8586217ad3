// Starting and stopping the arbor and git-annex assistants, and knowing when they are idle; every daemon is stopped even on failure.

import { readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { alive, processTree, waitCpuQuiet } from './proc.js';
import { arbor, annex } from './fixtures.js';

/** A running assistant started by the benchmark. */
export interface DaemonHandle {
  readonly tool: 'arbor' | 'annex';
  /** The work tree. */
  readonly dir: string;
  readonly pid: number;
  /** performance.now() just before the start command was spawned. */
  readonly t0: number;
  /** Date.now() at the same moment (status files use wall-clock times). */
  readonly wall0: number;
  /** git-annex: size and inode of daemon.log before this start, so only this run's lines are read. */
  readonly logOffset: number;
  readonly logIno: number;
}

/** The fields of arbor's daemon.status.json the benchmark reads (`git arbor status --json` shows the same). */
export interface ArborSnapshot {
  readonly pid: number;
  readonly startedAt: number;
  readonly scanning: boolean;
  readonly pendingChanges: number;
  readonly watcher?: { readonly backend: string; readonly degraded: boolean };
}

async function pidFile(path: string): Promise<number | undefined> {
  const n = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

function cmdline(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * The registry of daemons this run started. stopAll() stops each through its own command, then
 * ends any process of its tree that is still there, by pid, and only if its command line is
 * still the one recorded (a reused pid is never signalled).
 */
export class Daemons {
  readonly #env: NodeJS.ProcessEnv;
  /** Invariant: holds exactly the daemons started and not yet stopped, with their tree's pids and command lines. */
  readonly #running = new Map<DaemonHandle, Map<number, string>>();

  constructor(env: NodeJS.ProcessEnv) {
    this.#env = env;
  }

  /** `git arbor assistant` (detached); returns once it holds its pid file. */
  async startArbor(dir: string): Promise<DaemonHandle> {
    const t0 = performance.now();
    const wall0 = Date.now();
    const r = await arbor(dir, ['assistant', '--json'], { env: this.#env, timeoutMs: 60_000 });
    const pid = (await pidFile(join(dir, '.git', 'annex', 'arbor', 'daemon.pid'))) ?? Number((/"pid":\s*(\d+)/.exec(r.stdout) ?? [])[1]);
    if (r.code !== 0 || !pid) throw new Error(`git arbor assistant did not start: ${(r.stderr || r.stdout).trim().slice(-400)}`);
    const h: DaemonHandle = { tool: 'arbor', dir, pid, t0, wall0, logOffset: 0, logIno: 0 };
    this.#running.set(h, new Map([[pid, cmdline(pid) ?? '']]));
    return h;
  }

  /** `git annex assistant` (it daemonizes itself); returns once its pid file names a live process. */
  async startAnnex(dir: string): Promise<DaemonHandle> {
    const log = join(dir, '.git', 'annex', 'daemon.log');
    const before = await stat(log).catch(() => undefined);
    const logOffset = before?.size ?? 0;
    const logIno = before?.ino ?? 0;
    const t0 = performance.now();
    const wall0 = Date.now();
    const r = await annex(dir, ['assistant'], { env: this.#env, timeoutMs: 60_000 });
    if (r.code !== 0) throw new Error(`git annex assistant did not start: ${(r.stderr || r.stdout).trim().slice(-400)}`);
    const deadline = performance.now() + 30_000;
    while (performance.now() < deadline) {
      const pid = await pidFile(join(dir, '.git', 'annex', 'daemon.pid'));
      if (pid && (await alive(pid))) {
        const h: DaemonHandle = { tool: 'annex', dir, pid, t0, wall0, logOffset, logIno };
        this.#running.set(h, new Map([[pid, cmdline(pid) ?? '']]));
        return h;
      }
      await sleep(20);
    }
    throw new Error('git annex assistant wrote no live pid within 30 s');
  }

  /** Records the daemon's current children too (git cat-file, remotedaemon, transferrer), so they are cleaned up. */
  async track(h: DaemonHandle): Promise<void> {
    const known = this.#running.get(h);
    if (!known) return;
    for (const pid of await processTree(h.pid)) if (!known.has(pid)) known.set(pid, cmdline(pid) ?? '');
  }

  /** Stops one daemon through its own command, then makes sure its whole tree is gone. */
  async stop(h: DaemonHandle): Promise<void> {
    await this.track(h).catch(() => undefined);
    const tree = this.#running.get(h) ?? new Map<number, string>();
    this.#running.delete(h);
    if (h.tool === 'arbor') await arbor(h.dir, ['assistant', '--stop'], { env: this.#env, timeoutMs: 90_000 }).catch(() => undefined);
    else await annex(h.dir, ['assistant', '--stop'], { env: this.#env, timeoutMs: 60_000 }).catch(() => undefined);
    const deadline = performance.now() + 20_000;
    while (performance.now() < deadline && (await alive(h.pid))) await sleep(50);
    await endTree(tree, 'SIGTERM');
    await sleep(300);
    await endTree(tree, 'SIGKILL');
  }

  /** Stops every daemon still registered. */
  async stopAll(): Promise<void> {
    for (const h of [...this.#running.keys()]) await this.stop(h).catch(() => undefined);
  }

  /** Last resort from a synchronous 'exit' handler: SIGKILL every recorded pid that is still the same process. */
  killAllSync(): void {
    for (const tree of this.#running.values()) {
      for (const [pid, cmd] of tree) {
        if (cmdline(pid) === cmd) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
      }
    }
    this.#running.clear();
  }
}

async function endTree(tree: Map<number, string>, signal: NodeJS.Signals): Promise<void> {
  for (const [pid, cmd] of tree) {
    if ((await alive(pid)) && cmdline(pid) === cmd) {
      try {
        process.kill(pid, signal);
      } catch {
        // gone meanwhile
      }
    }
  }
}

/** arbor's status snapshot, if the file exists. */
export async function arborSnapshot(dir: string): Promise<ArborSnapshot | undefined> {
  const text = await readFile(join(dir, '.git', 'annex', 'arbor', 'daemon.status.json'), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as ArborSnapshot;
  } catch {
    return undefined; // caught mid-rename: the next read sees the whole file
  }
}

/** True once this arbor daemon reports its startup scan done and nothing pending (status --json: scanning false, pendingChanges 0). */
export async function arborIdle(h: DaemonHandle): Promise<boolean> {
  const s = await arborSnapshot(h.dir);
  return s !== undefined && s.pid === h.pid && !s.scanning && s.pendingChanges === 0;
}

/**
 * True once this git-annex daemon has logged the end of its startup scan ("(started...)", after
 * "(scanning...)"). git-annex rotates daemon.log when it starts (daemon.log.1 …), so a new inode
 * or a shorter file means the whole file is this run's.
 */
export async function annexScanned(h: DaemonHandle): Promise<boolean> {
  const log = join(h.dir, '.git', 'annex', 'daemon.log');
  const st = await stat(log).catch(() => undefined);
  if (!st) return false;
  const fresh = st.ino !== h.logIno || st.size < h.logOffset;
  const text = await readFile(log, 'utf8').catch(() => '');
  return text.slice(fresh ? 0 : h.logOffset).includes('started...');
}

/** Polls `cond` every `everyMs` until true; returns performance.now() when it first held, or undefined on timeout. */
export async function waitFor(cond: () => Promise<boolean>, options: { timeoutMs: number; everyMs?: number }): Promise<number | undefined> {
  const deadline = performance.now() + options.timeoutMs;
  while (performance.now() < deadline) {
    if (await cond()) return performance.now();
    await sleep(options.everyMs ?? 50);
  }
  return undefined;
}

/**
 * Starts an assistant and waits until it is idle: its startup scan done (arbor: status says not
 * scanning, nothing pending; git-annex: "(started...)" logged) and its process tree under 3% of a
 * core for a second.
 */
export async function startIdle(daemons: Daemons, t: 'arbor' | 'annex', dir: string, timeoutMs = 120_000): Promise<DaemonHandle> {
  const h = t === 'arbor' ? await daemons.startArbor(dir) : await daemons.startAnnex(dir);
  const scanned = await waitFor(() => (t === 'arbor' ? arborIdle(h) : annexScanned(h)), { timeoutMs });
  if (scanned === undefined) throw new Error(`${t} assistant did not finish its startup scan within ${timeoutMs / 1000} s`);
  await waitCpuQuiet(h.pid, { windowMs: 1000, maxShare: 0.03, timeoutMs: 30_000 });
  await daemons.track(h);
  return h;
}
