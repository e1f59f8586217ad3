// Real assistant daemons in tests: start detached, wait for conditions with bounded polling, always stopped.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runArbor } from './run.js';
import { git } from './repo.js';
import { onBeforeCleanup } from './tmp.js';
import { assistantState } from '../../src/assistant/control.js';
import type { RemoteStatus as DaemonRemoteStatus, StatusSnapshot } from '../../src/assistant/daemon-status.js';

const started = new Set<number>();
onBeforeCleanup(() => {
  for (const pid of started) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

/** Fast settings for tests: short quiet period, retries every second, fetches every 2 s. */
export async function configureFastAssistant(repo: string): Promise<void> {
  await git(repo, 'config', 'arbor.assistant.quietms', '100');
  await git(repo, 'config', 'arbor.assistant.maxdelayms', '1000');
  await git(repo, 'config', 'arbor.assistant.retry', '* * * * * *');
  await git(repo, 'config', 'arbor.assistant.fetch', '*/2 * * * * *');
}

/** Starts the assistant detached in `repo`; returns its pid. */
export async function startAssistant(repo: string): Promise<number> {
  const r = await runArbor(['assistant', '--json'], { cwd: repo });
  if (r.code !== 0) throw new Error(`assistant did not start: ${r.stderr}`);
  const pid = JSON.parse(r.stdout).pid as number;
  started.add(pid);
  return pid;
}

/**
 * Runs `git arbor assistant --json ...args` in `cwd` (e.g. a folder argument), with `env` when
 * given, and returns what it printed; the daemon it started is killed at exit if a test did not stop it.
 */
export async function startAssistantWith(cwd: string, args: readonly string[], env?: NodeJS.ProcessEnv): Promise<Record<string, unknown> & { pid: number }> {
  const r = await runArbor(['assistant', '--json', ...args], { cwd, ...(env ? { env } : {}) });
  if (r.code !== 0) throw new Error(`assistant ${args.join(' ')} did not start: ${r.stderr}`);
  const out = JSON.parse(r.stdout) as Record<string, unknown> & { pid: number };
  started.add(out.pid);
  return out;
}

/** Stops it gracefully. */
export async function stopAssistant(repo: string): Promise<void> {
  const r = await runArbor(['assistant', '--stop', '--json'], { cwd: repo });
  if (r.code !== 0) throw new Error(`assistant --stop failed: ${r.stderr}`);
  const pid = JSON.parse(r.stdout).pid as number | undefined;
  if (pid) started.delete(pid);
}

/** Forgets a pid (after a test killed it itself). */
export function forget(pid: number): void {
  started.delete(pid);
}

/**
 * Polls `check` until it returns true, up to `timeoutMs` (default 60 s, generous for a loaded
 * machine: this bounds a wait, it asserts no speed). Throws with `what` and the daemon log tail.
 */
export async function eventually(what: string, check: () => Promise<boolean> | boolean, options: { timeoutMs?: number; logOf?: string | readonly string[] } = {}): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    const began = Date.now();
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    // A check that runs a command (whereis, status) waits as long as it took before the next: on
    // two busy cores back-to-back CLI processes would take half the machine from the daemons.
    const took = Date.now() - began;
    if (Date.now() > deadline) {
      let tail = '';
      const repos = options.logOf === undefined ? [] : typeof options.logOf === 'string' ? [options.logOf] : options.logOf;
      for (const repo of repos) {
        let text: string;
        try {
          text = readFileSync(join(repo, '.git/annex/arbor/daemon.log'), 'utf8').split('\n').slice(-15).join('\n');
        } catch {
          text = '(no log)';
        }
        tail += `\n[${repo}]\n${text}`;
      }
      throw new Error(`timed out waiting for: ${what}${tail ? `\n--- daemon log ---\n${tail}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, Math.max(100, took)));
  }
}

/** The messages an assistant logged (its pino JSON lines), one per line; nothing before it logs. */
export function logMessages(repo: string): string[] {
  let text: string;
  try {
    text = readFileSync(join(repo, '.git/annex/arbor/daemon.log'), 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => String((JSON.parse(l) as { msg?: unknown }).msg ?? ''));
}

/** What tests read of one remote in `status --json`. */
export interface RemoteStatus {
  readonly sent?: number;
  readonly received?: number;
  readonly state?: string;
  readonly reason?: string;
}

/** Per-remote status of a running assistant (`status --json`); throws if it is not running. */
export async function remotesOf<T = RemoteStatus>(repo: string): Promise<Record<string, T>> {
  const s = JSON.parse((await runArbor(['status', '--json'], { cwd: repo })).stdout) as { running?: boolean; remotes: Record<string, T> };
  if (s.running !== true) throw new Error(`the assistant in ${repo} is not running`);
  return s.remotes;
}

/**
 * The running assistant's status file, read in this process: what `status --json` reports of the
 * daemon (remotes, pending changes, problems, transfers), without starting a CLI process for each
 * poll of an `eventually` (one status process costs about a quarter of a second of CPU). Throws
 * when the assistant is not running. Tests assert what users read through `git arbor status` once
 * the wait is over.
 */
export async function daemonStatus(repo: string): Promise<StatusSnapshot> {
  const s = await assistantState(repo);
  if (!s.running || !s.status) throw new Error(`the assistant in ${repo} is not running`);
  return s.status;
}

/** Per-remote status from the running assistant's status file (see daemonStatus): for polling. */
export async function daemonRemotes(repo: string): Promise<Record<string, DaemonRemoteStatus>> {
  return (await daemonStatus(repo)).remotes;
}

/** Waits until the assistant's start-up content pass has moved content (its "transferred N file(s)" line): what a test changes after it is handled by a later pass. */
export function startupPassMoved(repo: string): Promise<void> {
  return eventually('the start-up pass moved content', () => logMessages(repo).some((m) => /^transferred \d+ file/.test(m)), { logOf: repo });
}
