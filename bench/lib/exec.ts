// Running a command and timing it: wall time in ms, exit code, output, and peak RSS via /usr/bin/time.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

/** GNU time, when installed: gives the peak RSS of a one-shot command. */
export const GNU_TIME = '/usr/bin/time';

/** What a finished command did. */
export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Wall time from spawn to exit, in ms. */
  readonly ms: number;
  /** Peak RSS of the largest process in the command's tree (GNU time %M), when measured. */
  readonly maxRssKiB?: number;
  readonly timedOut: boolean;
}

/** Options of run. */
export interface RunOptions {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly input?: string;
  /** Kill the command (SIGKILL) after this long; default 10 minutes. */
  readonly timeoutMs?: number;
  /** Wrap in /usr/bin/time to record the peak RSS (ignored when GNU time is missing). */
  readonly measureRss?: boolean;
}

const MAX_OUTPUT = 1 << 20;

/** A command failed where the benchmark needs it to succeed (setup, or a measured step). */
export class BenchCommandError extends Error {
  readonly code = 'EBENCHCMD';
  constructor(cmd: string, args: readonly string[], result: RunResult) {
    const tail = (result.stderr || result.stdout).trim().split('\n').slice(-4).join(' | ');
    super(`${cmd} ${args.join(' ')} ${result.timedOut ? 'timed out' : `exited with ${result.code}`}: ${tail}`);
  }
}

/** Runs a command to completion, capturing (the first MiB of) its output. Never throws on failure. */
export async function run(cmd: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  const rssDir = options.measureRss && existsSync(GNU_TIME) ? await mkdtemp(join(tmpdir(), 'arbor-bench-time-')) : undefined;
  const rssFile = rssDir ? join(rssDir, 'rss') : undefined;
  const [file, argv] = rssFile ? [GNU_TIME, ['-f', '%M', '-o', rssFile, cmd, ...args]] : [cmd, [...args]];
  const t0 = performance.now();
  const child = spawn(file, argv, { cwd: options.cwd, env: options.env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    if (stdout.length < MAX_OUTPUT) stdout += d.toString('utf8');
  });
  child.stderr.on('data', (d: Buffer) => {
    if (stderr.length < MAX_OUTPUT) stderr += d.toString('utf8');
  });
  child.stdin.on('error', () => undefined);
  child.stdin.end(options.input ?? '');
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, options.timeoutMs ?? 600_000);
  const code = await new Promise<number | null>((resolve) => {
    child.on('error', (err) => {
      stderr += String(err);
      resolve(127);
    });
    child.on('close', (c) => resolve(c));
  });
  const ms = performance.now() - t0;
  clearTimeout(timer);
  let maxRssKiB: number | undefined;
  if (rssFile && rssDir) {
    const text = await readFile(rssFile, 'utf8').catch(() => '');
    const n = Number(text.trim().split('\n').pop());
    if (Number.isFinite(n) && n > 0) maxRssKiB = n;
    await rm(rssDir, { recursive: true, force: true });
  }
  return { code, stdout, stderr, ms, timedOut, ...(maxRssKiB !== undefined ? { maxRssKiB } : {}) };
}

/** Runs a command and throws BenchCommandError unless it exits 0. */
export async function ok(cmd: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  const r = await run(cmd, args, options);
  if (r.code !== 0) throw new BenchCommandError(cmd, args, r);
  return r;
}
