// `git add` of many files in which one bad file never fails the others: it is isolated, named and left out.

import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Annex } from '../annex/annex.js';
import { GitCommandError } from '../git/errors.js';
import { lockNamedIn } from '../git/stale-lock.js';

/** A work-tree path: a string, or raw bytes for a name that is not valid UTF-8. */
/** Signals of a program that crashed (SIGILL, SIGABRT, SIGBUS, SIGFPE, SIGSEGV), not one stopped on purpose. */
const CRASH_SIGNALS: ReadonlySet<number> = new Set([4, 6, 7, 8, 11]);

export type PathBytes = string | Buffer;

/** A file that could not be added, and git's reason. */
export interface FailedFile {
  /** Top-relative (a name that is not valid UTF-8 shows its bytes decoded lossily). */
  readonly path: string;
  readonly reason: string;
}

/**
 * git options that keep arbor's filter process out of a command. Starting it costs a Node start-up
 * (~0.2 s), which dominates the latency of small commits; files already known to belong in git
 * need no filter, and for annexed unlocked files a raw comparison only errs towards "modified",
 * which the filtered `git add` then settles.
 */
export const NO_FILTER = ['-c', 'filter.annex.process=', '-c', 'filter.annex.clean=', '-c', 'filter.annex.smudge='];

/** `:(literal)` pathspecs, NUL-terminated, as bytes (names need not be UTF-8). */
export function literalPathspecs(paths: readonly PathBytes[]): Buffer {
  return Buffer.concat(paths.flatMap((p) => [Buffer.from(':(literal)'), typeof p === 'string' ? Buffer.from(p) : p, Buffer.from([0])]));
}

/** The first line of git's stderr that says what went wrong, without git's prefix. */
export function firstLine(text: string): string {
  const lines = text.split('\n').filter((l) => l.trim());
  return (lines.find((l) => /^(fatal|error):/.test(l)) ?? lines[0] ?? '').replace(/^(fatal|error|git-arbor): /, '');
}

/** The absolute path of a top-relative name, as bytes when the name is bytes. */
export function absoluteBytes(workTree: string, path: PathBytes): string | Buffer {
  return typeof path === 'string' ? join(workTree, path) : Buffer.concat([Buffer.from(`${workTree}/`), path]);
}

/** Whether git's stderr names `path`: "pathspec ':(literal)x' did not match", "unable to stat 'x'", "open(\"x\")". */
function mentions(stderr: string, path: string): boolean {
  return stderr.includes(`'${path}'`) || stderr.includes(`)${path}'`) || stderr.includes(`"${path}"`);
}

/** What one isolating add did. */
export interface AddOutcome {
  /** git's stderr of the runs that succeeded (the filter's per-file lines are in it). */
  readonly stderr: string;
  readonly failed: FailedFile[];
  /** Paths that vanished before git could add them (nothing to commit for them). */
  readonly vanished: PathBytes[];
}

/**
 * Runs `git add` on `paths` (through a pathspec file: no argument-length limit, any bytes). When
 * git fails, the file it names is taken out (or, when it names none, e.g. a git killed by SIGBUS
 * because a file shrank while it was mapped, the list is split in halves) and the rest is added
 * again, so every file that can be added is, and each one that cannot comes back with git's reason.
 * A file that no longer exists is not a failure: it vanished and has nothing to commit. A failure
 * that concerns every file (a lock someone else holds, an error naming no file) throws
 * GitCommandError: the whole add is retried later.
 */
export async function addIsolating(annex: Annex, paths: readonly PathBytes[], options: { filter: boolean }): Promise<AddOutcome> {
  const outcome: AddOutcome = { stderr: '', failed: [], vanished: [] };
  const work = async (list: readonly PathBytes[]): Promise<void> => {
    if (list.length === 0) return;
    const r = await annex.git.tryRun([...(options.filter ? [] : NO_FILTER), 'add', '--pathspec-from-file=-', '--pathspec-file-nul', '--'], { input: literalPathspecs(list) });
    if (r.code === 0) {
      (outcome as { stderr: string }).stderr += r.stderr;
      return;
    }
    // A lock held by someone else (the user's own git) or an error that names no file concerns
    // every file: the add fails as a whole, to be retried later, rather than file by file.
    const named = list.findIndex((p) => typeof p === 'string' && mentions(r.stderr, p));
    // Only a crash (SIGBUS from a file truncated under git's mmap, SIGSEGV …) points at one file
    // to be found by halving; git killed on purpose (SIGTERM, SIGKILL by the stop guard or the OOM
    // killer) says nothing about any file.
    const crashed = r.code > 128 && CRASH_SIGNALS.has(r.code - 128);
    if (lockNamedIn(r.stderr) !== undefined || (named < 0 && !crashed && list.some((p) => typeof p === 'string'))) {
      throw new GitCommandError({ args: ['add'], exitCode: r.code, stderr: r.stderr });
    }
    if (list.length === 1) {
      const [only] = list as [PathBytes];
      const exists = await lstat(absoluteBytes(annex.workTree ?? '', only)).then(() => true, () => false);
      if (!exists) outcome.vanished.push(only);
      else outcome.failed.push({ path: only.toString(), reason: firstLine(r.stderr) || (r.code > 128 ? `git was killed by signal ${r.code - 128}` : `git add exited ${r.code}`) });
      return;
    }
    if (named >= 0) {
      await work([list[named] as PathBytes]);
      await work([...list.slice(0, named), ...list.slice(named + 1)]);
      return;
    }
    const half = Math.ceil(list.length / 2);
    await work(list.slice(0, half));
    await work(list.slice(half));
  };
  await work(paths);
  return outcome;
}
