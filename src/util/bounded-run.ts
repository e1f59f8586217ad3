// Runs a network program with a stall watch and an overall bound, ending it and every process it started when either trips.

import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';
import type { Clock } from './clock.js';
import { SpawnError, type SpawnOptions, type SpawnResult } from './spawn.js';

/** The bounds of one run. */
export interface RunBounds {
  /** End the run when neither stdout nor stderr carried a byte for this long (ms); 0: no stall watch. */
  readonly stallMs: number;
  /** End the run after this long whatever it does (ms); 0: no bound. */
  readonly timeoutMs: number;
}

/** Why a bounded run was ended by us (`aborted`: the caller's signal, e.g. the daemon stopping). */
export type RunLimit = 'stalled' | 'timeout' | 'aborted';

/** A finished bounded run; `limit` is set when we ended it. */
export interface BoundedResult extends SpawnResult {
  readonly limit?: RunLimit;
}

/** How long a process gets after SIGTERM (to remove its lock files, as git does) before SIGKILL. */
const TERM_GRACE_MS = 3000;

/**
 * Every process's children, by parent pid, from /proc (Linux); undefined where there is no /proc.
 * The name field of /proc/PID/stat may hold spaces and parentheses: the ppid comes after the last ')'.
 */
export function childrenByParent(): Map<number, number[]> | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  const children = new Map<number, number[]>();
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(e));
      children.set(ppid, list);
    } catch {
      // gone meanwhile
    }
  }
  return children;
}

/**
 * `pid` and every process below it. Linux reads /proc; elsewhere only `pid` itself is known (the
 * ssh that git starts then ends on its own when its pipes close, or at ssh's ConnectTimeout).
 */
export function processTree(pid: number): number[] {
  return processTrees([pid]);
}

/** Each of `pids` and every process below them now, each once (only `pids` where there is no /proc). */
export function processTrees(pids: readonly number[]): number[] {
  const children = childrenByParent();
  if (!children) return [...pids];
  const seen = new Set<number>();
  const todo = [...pids];
  while (todo.length) {
    const p = todo.pop() as number;
    if (seen.has(p)) continue;
    seen.add(p);
    todo.push(...(children.get(p) ?? []));
  }
  return [...seen];
}

function signalAll(pids: readonly number[], sig: NodeJS.Signals): void {
  for (const p of pids) {
    try {
      process.kill(p, sig);
    } catch {
      // already gone
    }
  }
}

/**
 * Runs `cmd` like Spawner.run, watching its output: when no byte arrives on stdout or stderr for
 * `stallMs`, or `timeoutMs` has passed, the program and the processes it started (git's ssh, the
 * user's ssh wrapper) get SIGTERM, then SIGKILL after a grace period; the result then carries
 * `limit`. The children stay in our process group (no new session), so ssh can still ask for a
 * passphrase on the terminal and Ctrl-C still reaches them.
 */
export function runBounded(
  cmd: string,
  args: readonly string[],
  opts: SpawnOptions & RunBounds & { readonly clock: Clock; readonly signal?: AbortSignal; readonly onOutput?: (chunk: Buffer, stream: 'stdout' | 'stderr') => void },
): Promise<BoundedResult> {
  return new Promise<BoundedResult>((resolve, reject) => {
    const { clock } = opts;
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: 'pipe' });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const start = clock.now();
    let last = start;
    let limit: RunLimit | undefined;
    const done = new AbortController();
    child.stdout.on('data', (b: Buffer) => {
      out.push(b);
      last = clock.now();
      opts.onOutput?.(b, 'stdout');
    });
    child.stderr.on('data', (b: Buffer) => {
      err.push(b);
      last = clock.now();
      opts.onOutput?.(b, 'stderr');
    });
    child.stdin.on('error', () => undefined);
    child.on('error', (e) => {
      done.abort();
      reject(new SpawnError(cmd, e));
    });
    let stopWaitingForOutput = false;
    const closeOutput = (): void => {
      child.stdout.destroy();
      child.stderr.destroy();
    };
    child.on('exit', () => {
      if (stopWaitingForOutput) closeOutput();
    });
    child.on('close', (code, signal) => {
      done.abort();
      const exit = code ?? 128 + (signal === null ? 0 : constants.signals[signal]);
      resolve({ code: exit, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8'), ...(limit ? { limit } : {}) });
    });
    child.stdin.end(opts.input ?? '');

    const end = async (why: RunLimit): Promise<void> => {
      if (limit) return;
      limit = why;
      if (child.pid === undefined) return;
      const tree = processTree(child.pid);
      signalAll(tree, 'SIGTERM');
      await clock.sleep(TERM_GRACE_MS, done.signal).catch(() => undefined);
      // Whatever is left of the tree (the child may have exited while its ssh lingers), and what
      // those still alive started since (a git that answers SIGTERM by starting another process).
      signalAll(processTrees(tree), 'SIGKILL');
      // A process that left the tree (its parent died, so it no longer shows as a descendant; or
      // it was forked between the reading of the tree and the kill) may still hold our pipes, and
      // the run would wait for their end forever. Once the child itself is gone, its output is
      // no longer waited for.
      stopWaitingForOutput = true;
      if (child.exitCode !== null || child.signalCode !== null) closeOutput();
    };
    if (opts.signal) {
      const onAbort = (): void => void end('aborted');
      if (opts.signal.aborted) onAbort();
      else opts.signal.addEventListener('abort', onAbort, { once: true });
      done.signal.addEventListener('abort', () => opts.signal?.removeEventListener('abort', onAbort), { once: true });
    }
    if (opts.stallMs <= 0 && opts.timeoutMs <= 0) return;
    void (async () => {
      while (!done.signal.aborted) {
        const now = clock.now();
        if (opts.timeoutMs > 0 && now - start >= opts.timeoutMs) return end('timeout');
        if (opts.stallMs > 0 && now - last >= opts.stallMs) return end('stalled');
        const untilStall = opts.stallMs > 0 ? last + opts.stallMs - now : Infinity;
        const untilBound = opts.timeoutMs > 0 ? start + opts.timeoutMs - now : Infinity;
        await clock.sleep(Math.max(1, Math.min(untilStall, untilBound)), done.signal).catch(() => undefined);
      }
    })();
  });
}
