// Which processes hold a file open or work in a directory, read from /proc (Linux); unknown elsewhere.

import { readdir, readFile, readlink, realpath } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** One live process as /proc shows it. */
export interface ProcessInfo {
  readonly pid: number;
  readonly ppid: number;
  /** The program name (`comm`, at most 15 bytes), e.g. "git". */
  readonly comm: string;
}

/** Whether /proc can answer (Linux with /proc mounted). */
export async function procAvailable(): Promise<boolean> {
  return readlink('/proc/self/exe').then(
    () => true,
    () => false,
  );
}

async function pids(): Promise<number[]> {
  const names = await readdir('/proc').catch(() => [] as string[]);
  return names.filter((n) => /^\d+$/.test(n)).map(Number);
}

/** Parses /proc/<pid>/stat: "pid (comm) state ppid ..." (comm may hold spaces and parentheses). */
export function parseProcStat(text: string): ProcessInfo | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number.parseInt(text.slice(0, open), 10);
  const [state, ppid] = text.slice(close + 2).split(' ');
  if (!Number.isFinite(pid) || state === 'Z' || state === 'X') return undefined;
  return { pid, ppid: Number(ppid), comm: text.slice(open + 1, close) };
}

/** Every live process (zombies left out); [] without /proc. */
export async function listProcesses(): Promise<ProcessInfo[]> {
  const all = await Promise.all(
    (await pids()).map(async (pid) => parseProcStat(await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => ''))),
  );
  return all.filter((p): p is ProcessInfo => p !== undefined);
}

/**
 * The processes that hold `path` (absolute) open through a file descriptor, found by reading the
 * links in /proc/<pid>/fd (matched against the path as given and with its directory's symlinks
 * resolved). Returns undefined when the answer is not known: /proc is not available (not Linux),
 * or some process's descriptors cannot be read (another user's process, a hardened /proc), since
 * that process might be the holder. The caller must then fall back to a more careful rule.
 */
export async function holdersOf(path: string): Promise<number[] | undefined> {
  if (!(await procAvailable())) return undefined;
  const names = new Set([path, await realpath(dirname(path)).then((d) => join(d, basename(path)), () => path)]);
  const found: number[] = [];
  let unknown = false;
  await Promise.all(
    (await pids()).map(async (pid) => {
      let fds: string[];
      try {
        fds = await readdir(`/proc/${pid}/fd`);
      } catch (err) {
        // ENOENT: the process ended meanwhile. Anything else: we cannot see what it holds.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') unknown = true;
        return;
      }
      for (const fd of fds) {
        const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
        if (names.has(target)) {
          found.push(pid);
          return;
        }
      }
    }),
  );
  return unknown && found.length === 0 ? undefined : found;
}

/** The current directory of `pid`; null when the process has ended; undefined when it cannot be read (another user's process). */
export async function cwdOf(pid: number): Promise<string | null | undefined> {
  try {
    return await readlink(`/proc/${pid}/cwd`);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ESRCH' ? null : undefined;
  }
}

/** The arguments `pid` was started with (from /proc/<pid>/cmdline), or [] when they cannot be read. */
export async function argsOf(pid: number): Promise<string[]> {
  const raw = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return raw.split('\0').filter((a, i, all) => a !== '' || i < all.length - 1);
}

/** Whether `pid` is `ancestor` or one of its descendants, by the parent links in `processes`. */
export function descendsFrom(pid: number, ancestor: number, processes: ReadonlyMap<number, ProcessInfo>): boolean {
  for (let p: number | undefined = pid, hops = 0; p !== undefined && p > 0 && hops < 64; hops++) {
    if (p === ancestor) return true;
    p = processes.get(p)?.ppid;
  }
  return false;
}
