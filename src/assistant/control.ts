// Starting the assistant in the background, stopping it, and asking whether it runs.

import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { openSync, closeSync, mkdirSync } from 'node:fs';
import { findRepository } from '../git/repo.js';
import { processAlive } from '../util/process-alive.js';
import { ArborError } from '../util/errors.js';
import type { Clock } from '../util/clock.js';
import { assistantPaths } from './paths.js';
import { STOP_BOUND_MS, STOP_EXIT_GRACE_MS } from './stop-guard.js';
import type { StatusSnapshot } from './daemon-status.js';

/** Whether the assistant runs for a repository, and its last status snapshot. */
export interface AssistantState {
  readonly running: boolean;
  readonly pid?: number;
  readonly status?: StatusSnapshot;
  readonly logFile: string;
}


/** Reads the pid file and status snapshot of the repository at `path`. */
export async function assistantState(path: string): Promise<AssistantState> {
  const repo = await findRepository(path);
  const paths = assistantPaths(repo.gitDir);
  const pid = Number.parseInt(await readFile(paths.pid, 'utf8').catch(() => ''), 10);
  const running = Number.isFinite(pid) && pid > 0 && processAlive(pid);
  let status: StatusSnapshot | undefined;
  try {
    status = JSON.parse(await readFile(paths.status, 'utf8')) as StatusSnapshot;
  } catch {
    status = undefined;
  }
  return { running, ...(running ? { pid } : {}), ...(status ? { status } : {}), logFile: paths.log };
}

/** The detached assistant could not start; the message is the daemon's own one-line reason. */
export class StartError extends ArborError {
  constructor(message: string, data: Readonly<Record<string, unknown>> = {}) {
    super('ESTART', message, { data });
    this.name = 'StartError';
  }
}

/** The last line of the log that says why the daemon could not start, if there is one. */
async function startFailureInLog(logFile: string): Promise<string | undefined> {
  const text = await readFile(logFile, 'utf8').catch(() => '');
  const lines = text.trimEnd().split('\n').slice(-20).reverse();
  for (const line of lines) {
    try {
      const rec = JSON.parse(line) as { msg?: string; level?: number };
      if ((rec.level ?? 0) >= 50 && rec.msg) return rec.msg.replace(/^assistant (could not start|failed): /, '');
    } catch {
      // a plain line (the CLI's own stderr): "arbor: <message>"
      if (line.trim()) return line.trim().replace(/^(git-)?arbor: /, '');
    }
  }
  return undefined;
}

/**
 * Starts `command` (the CLI re-invoking itself with --foreground) detached, with its output going
 * to the log file, and waits until the daemon reports in its status file that it is ready (its
 * settings read and valid, its workers started) or why it could not start. A start that fails
 * throws a StartError with the daemon's one-line reason (e.g. "git config
 * arbor.assistant.quietms=abc is not a number: …"); the same reason stays in the status file,
 * where `git arbor status` shows it.
 */
export async function startDetached(options: { path: string; command: readonly string[]; clock: Clock; timeoutMs?: number }): Promise<number> {
  const repo = await findRepository(options.path);
  const paths = assistantPaths(repo.gitDir);
  mkdirSync(paths.dir, { recursive: true });
  const before = await assistantState(options.path);
  if (before.running) throw new ArborError('ERUNNING', `the assistant is already running for this repository (pid ${before.pid})`);
  const out = openSync(paths.log, 'a');
  const [cmd, ...args] = options.command;
  const child = spawn(cmd ?? process.execPath, args, { cwd: repo.workTree ?? repo.gitDir, detached: true, stdio: ['ignore', out, out], env: { ...process.env, ARBOR_DAEMON: '1' } });
  closeSync(out);
  let exited: number | null | undefined;
  child.on('exit', (code) => (exited = code));
  child.unref();
  const timeoutMs = options.timeoutMs ?? 20_000;
  const deadline = options.clock.now() + timeoutMs;
  while (options.clock.now() < deadline) {
    const wasExited = exited !== undefined;
    const state = await assistantState(options.path);
    const mine = child.pid !== undefined && state.status?.pid === child.pid ? state.status : undefined;
    if (mine?.startError) throw new StartError(mine.startError, { log: paths.log });
    if (mine?.exit) throw new StartError(`the assistant stopped right after starting: ${mine.exit.reason}`, { log: paths.log });
    if (mine?.ready && state.running && child.pid !== undefined && state.pid === child.pid) return child.pid;
    if (wasExited) {
      const why = await startFailureInLog(paths.log);
      throw new StartError(why ?? `the assistant exited at start (code ${exited}); see ${paths.log}`, { log: paths.log, code: exited });
    }
    await options.clock.sleep(50);
  }
  throw new StartError(`the assistant did not start within ${Math.round(timeoutMs / 1000)} s; see ${paths.log}`);
}

/** How long `--stop` waits for the daemon (its own bound plus a margin) before it kills it. */
export const STOP_WAIT_MS = STOP_BOUND_MS + STOP_EXIT_GRACE_MS + 10_000;

/**
 * Asks a running assistant to stop (SIGTERM: it commits what is pending and pushes it, within
 * STOP_BOUND_MS) and waits until it has. Returns its pid, or undefined if none ran. A daemon still
 * alive after `timeoutMs` (default STOP_WAIT_MS) is killed (SIGKILL) and ESTOP is thrown.
 */
export async function stopAssistant(options: { path: string; clock: Clock; timeoutMs?: number }): Promise<number | undefined> {
  const state = await assistantState(options.path);
  if (!state.running || !state.pid) return undefined;
  process.kill(state.pid, 'SIGTERM');
  const timeoutMs = options.timeoutMs ?? STOP_WAIT_MS;
  const deadline = options.clock.now() + timeoutMs;
  while (options.clock.now() < deadline) {
    if (!processAlive(state.pid)) return state.pid;
    await options.clock.sleep(50);
  }
  try {
    process.kill(state.pid, 'SIGKILL');
  } catch {
    // gone just now
  }
  throw new ArborError('ESTOP', `the assistant (pid ${state.pid}) did not stop within ${Math.round(timeoutMs / 1000)} s; it was killed (its next start commits what it left)`);
}
