// Watching a bare remote until pushed commits contain given paths: ref files are polled cheaply, git runs only when a ref moves.

import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { run } from './exec.js';
import { readRef } from './fixtures.js';

/** The branches an assistant pushes to: git-annex and arbor push synced/main, and main when it fast-forwards. */
export const PUSHED_REFS: readonly string[] = ['refs/heads/synced/main', 'refs/heads/main'];

/** Options of waitForPush. */
export interface WaitForPushOptions {
  readonly bare: string;
  readonly env: NodeJS.ProcessEnv;
  /** True when the commit satisfies the wait (runs git; only called on commits not seen before). */
  readonly done: (sha: string) => Promise<boolean>;
  readonly timeoutMs: number;
  /** Commits already there before the action (never tested). */
  readonly seen?: ReadonlySet<string>;
  /** Ref poll interval, default 5 ms (a ref file read costs microseconds). */
  readonly everyMs?: number;
}

/** The commits the pushed refs point to now. */
export async function pushedCommits(bare: string): Promise<Set<string>> {
  const out = new Set<string>();
  for (const ref of PUSHED_REFS) {
    const sha = await readRef(bare, ref);
    if (sha) out.add(sha);
  }
  return out;
}

/**
 * Polls the bare repository's pushed refs; for every new commit calls `done`. Returns
 * performance.now() when the satisfying commit was first seen (before `done` ran git), or
 * undefined on timeout.
 */
export async function waitForPush(o: WaitForPushOptions): Promise<number | undefined> {
  const seen = new Set(o.seen ?? []);
  const deadline = performance.now() + o.timeoutMs;
  while (performance.now() < deadline) {
    for (const ref of PUSHED_REFS) {
      const sha = await readRef(o.bare, ref);
      if (!sha || seen.has(sha)) continue;
      const t = performance.now();
      seen.add(sha);
      if (await o.done(sha)) return t;
    }
    await sleep(o.everyMs ?? 5);
  }
  return undefined;
}

/** A `done` test: the commit has this path. */
export function hasPath(bare: string, env: NodeJS.ProcessEnv, path: string): (sha: string) => Promise<boolean> {
  return async (sha) => (await run('git', ['cat-file', '-e', `${sha}:${path}`], { cwd: bare, env })).code === 0;
}

/** A `done` test: the commit has at least `count` files under `dir`. */
export function hasFiles(bare: string, env: NodeJS.ProcessEnv, dir: string, count: number): (sha: string) => Promise<boolean> {
  return async (sha) => {
    const r = await run('git', ['ls-tree', '-r', '--name-only', sha, '--', dir], { cwd: bare, env });
    if (r.code !== 0) return false;
    return r.stdout.split('\n').filter(Boolean).length >= count;
  };
}
