// Reading /proc: resident memory of daemons (VmRSS/VmHWM), process trees, CPU time, and idleness.

import { readFile, readdir } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

/** Memory of one process in KiB, from /proc/<pid>/status. */
export interface ProcMemory {
  readonly pid: number;
  readonly rssKiB: number;
  /** Peak resident set size since the process started. */
  readonly hwmKiB: number;
  readonly name: string;
}

/** Clock ticks per second for /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** Whether a process exists and is not a zombie. */
export async function alive(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return false;
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state !== 'Z' && state !== 'X';
}

/** VmRSS and VmHWM of a process, or undefined when it is gone. */
export async function memoryOf(pid: number): Promise<ProcMemory | undefined> {
  const text = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);
  const name = /^Name:\s+(.*)$/m.exec(text)?.[1] ?? '?';
  return { pid, rssKiB: field('VmRSS'), hwmKiB: field('VmHWM'), name };
}

interface StatLine {
  readonly pid: number;
  readonly ppid: number;
  /** utime + stime + cutime + cstime, in ticks. */
  readonly ticks: number;
}

async function readStat(pid: number): Promise<StatLine | undefined> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  // Fields after the command name (which may contain spaces): state is field 3, ppid 4, utime 14 …
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const n = (i: number): number => Number(rest[i - 3] ?? 0);
  return { pid, ppid: n(4), ticks: n(14) + n(15) + n(16) + n(17) };
}

async function allStats(): Promise<StatLine[]> {
  const names = await readdir('/proc');
  const stats = await Promise.all(names.filter((n) => /^\d+$/.test(n)).map((n) => readStat(Number(n))));
  return stats.filter((s): s is StatLine => s !== undefined);
}

/** The pids of `root` and all its living descendants. */
export async function processTree(root: number): Promise<number[]> {
  return treeOf(root, await allStats()).map((s) => s.pid);
}

function treeOf(root: number, stats: readonly StatLine[]): StatLine[] {
  const children = new Map<number, StatLine[]>();
  for (const s of stats) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s]);
  const out: StatLine[] = [];
  const self = stats.find((s) => s.pid === root);
  if (!self) return out;
  const queue = [self];
  while (queue.length) {
    const s = queue.shift() as StatLine;
    out.push(s);
    queue.push(...(children.get(s.pid) ?? []));
  }
  return out;
}

/** CPU seconds used so far by a process tree (living processes plus children they reaped). */
export async function treeCpuSeconds(root: number): Promise<number> {
  return treeOf(root, await allStats()).reduce((t, s) => t + s.ticks, 0) / TICKS_PER_SECOND;
}

/** Memory of every process in the tree rooted at `root`. */
export async function treeMemory(root: number): Promise<{ main: ProcMemory | undefined; all: ProcMemory[]; totalRssKiB: number }> {
  const pids = await processTree(root);
  const all = (await Promise.all(pids.map((p) => memoryOf(p)))).filter((m): m is ProcMemory => m !== undefined);
  return { main: all.find((m) => m.pid === root), all, totalRssKiB: all.reduce((t, m) => t + m.rssKiB, 0) };
}

/** Options of waitCpuQuiet. */
export interface QuietOptions {
  /** The tree must stay under `maxShare` of one core for this long. */
  readonly windowMs: number;
  /** Fraction of one core (0.03 = 3%). */
  readonly maxShare: number;
  readonly timeoutMs: number;
  /** Extra condition checked on each sample (e.g. a status file says idle). */
  readonly also?: () => Promise<boolean>;
}

/**
 * Waits until a process tree has been nearly idle (CPU under `maxShare`) for `windowMs`, and
 * returns the performance.now() time when that quiet window began (the end of the last burst of
 * work), or undefined on timeout. Sampling every 100 ms costs a /proc scan, well under 1% CPU.
 */
export async function waitCpuQuiet(root: number, options: QuietOptions): Promise<number | undefined> {
  const deadline = performance.now() + options.timeoutMs;
  const samples: Array<{ t: number; cpu: number }> = [];
  while (performance.now() < deadline) {
    if (!(await alive(root))) return undefined;
    const t = performance.now();
    samples.push({ t, cpu: await treeCpuSeconds(root) });
    const start = samples.findIndex((s) => s.t >= t - options.windowMs);
    const first = samples[start];
    const last = samples[samples.length - 1];
    if (first && last && start > 0 && t - (samples[start - 1] as { t: number }).t >= options.windowMs) {
      const share = (last.cpu - first.cpu) / Math.max(0.001, (last.t - first.t) / 1000);
      if (share <= options.maxShare && (!options.also || (await options.also()))) return first.t;
    }
    await sleep(100);
  }
  return undefined;
}
