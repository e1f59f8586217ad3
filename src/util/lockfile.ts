// A cross-process exclusive lock: a lock file created with O_EXCL, holding the owner's pid and a token.

import { randomBytes } from 'node:crypto';
import { link, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { errnoCode } from './errors.js';
import { ArborError } from './errors.js';
import { processAlive } from './process-alive.js';

/** A held lock; release() is idempotent. */
export interface HeldLock {
  release(): Promise<void>;
}

/** Options for acquireLock. */
export interface LockOptions {
  /** Give up after this many milliseconds (default 60 s). */
  readonly timeoutMs?: number;
  /** Sleep between attempts (default 10 ms, growing to 100 ms). */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Thrown when a lock stays held by a live process for longer than the timeout. */
export class LockTimeoutError extends ArborError {
  constructor(path: string, pid: number | undefined) {
    super('ELOCKED', `timed out waiting for lock ${path}${pid ? ` (held by pid ${pid})` : ''}`, { data: { path, pid } });
  }
}


/** In-process queue per path, so two callers in one process never race on the same file. */
const localQueues = new Map<string, Promise<void>>();

/** Tokens of the locks this process holds now (whatever path string reached them). */
const heldTokens = new Set<string>();

/**
 * Takes the lock at `path`. A lock file left by a dead process (crash, kill -9) is taken over,
 * so a crash never wedges the repository. Within one process, callers queue in order.
 */
export async function acquireLock(path: string, options: LockOptions = {}): Promise<HeldLock> {
  const previous = localQueues.get(path) ?? Promise.resolve();
  let releaseLocal!: () => void;
  const mine = new Promise<void>((r) => (releaseLocal = r));
  const chained = previous.then(() => mine);
  localQueues.set(path, chained);
  await previous;
  const token = randomBytes(8).toString('hex');
  try {
    await acquireFileLock(path, token, options);
    heldTokens.add(token);
  } catch (err) {
    releaseLocal();
    if (localQueues.get(path) === chained) localQueues.delete(path);
    throw err;
  }
  let released = false;
  return {
    release: async () => {
      if (released) return;
      released = true;
      heldTokens.delete(token);
      await rm(path, { force: true });
      releaseLocal();
      if (localQueues.get(path) === chained) localQueues.delete(path);
    },
  };
}

/**
 * A lock file naming this process with a token it does not hold is stale: it was left by an
 * acquisition of ours whose release could not remove it (its directory was renamed away at that
 * moment, as a remote on a flapping mount is, and came back later with the file in it). The pid
 * alone would keep everyone waiting on a process that is alive and waiting too.
 */
function staleOwner(content: string): boolean {
  const [pid, token] = content.trim().split(' ');
  if (Number(pid) !== process.pid) return false;
  return token === undefined || !heldTokens.has(token);
}

/**
 * A lock file with no owner in it, older than this, was left by a process killed between creating
 * it and writing its pid (only possible where `link` is not: see createLockFile). A live writer
 * writes its pid within milliseconds of creating the file.
 */
export const OWNERLESS_LOCK_STALE_MS = 10_000;

/** Errors of `link` on file systems without hard links (FAT, exFAT, some network shares). */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOSYS', 'EOPNOTSUPP', 'ENOTSUP', 'EMLINK']);

/**
 * Puts the lock file in place, or returns false when it exists. `temp`, a file of this process
 * beside it, already holds `content` (the owner) and is linked into place, so the lock file never
 * exists without its owner in it: a process killed at any moment leaves either no lock or one
 * naming a dead pid, which the next taker removes. Without hard links, it is created and then written.
 */
async function placeLockFile(path: string, temp: string, content: string): Promise<boolean> {
  try {
    await link(temp, path);
    return true;
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'EEXIST') return false;
    if (!code || !NO_HARD_LINKS.has(code)) throw err;
  }
  try {
    const h = await open(path, 'wx');
    try {
      await h.writeFile(content);
    } finally {
      await h.close();
    }
    return true;
  } catch (err) {
    if (errnoCode(err) === 'EEXIST') return false;
    throw err;
  }
}

async function acquireFileLock(path: string, token: string, options: LockOptions): Promise<void> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const timeout = options.timeoutMs ?? 60_000;
  let waited = 0;
  let delay = 10;
  // The owner is written once, beside the lock, and linked into place at each try.
  const content = `${process.pid} ${token}\n`;
  const temp = `${path}.${process.pid}.${token}`;
  await writeFile(temp, content, { flag: 'wx' });
  try {
    for (;;) {
      if (await placeLockFile(path, temp, content)) return;
      const found = await readFile(path, 'utf8').catch(() => '');
      const owner = Number.parseInt(found, 10);
      if ((Number.isFinite(owner) && owner > 0 && !processAlive(owner)) || staleOwner(found) || (await ownerlessAndOld(path, found))) {
        await rm(path, { force: true });
        continue;
      }
      if (waited >= timeout) throw new LockTimeoutError(path, Number.isFinite(owner) ? owner : undefined);
      await sleep(delay);
      waited += delay;
      delay = Math.min(delay * 2, 100);
    }
  } finally {
    await rm(temp, { force: true });
  }
}

/** Whether the lock file names no owner and was last written more than OWNERLESS_LOCK_STALE_MS ago. */
async function ownerlessAndOld(path: string, content: string): Promise<boolean> {
  if (/^\s*\d/.test(content)) return false;
  const s = await stat(path).catch(() => undefined);
  return s !== undefined && Date.now() - s.mtimeMs > OWNERLESS_LOCK_STALE_MS;
}

/** Runs `fn` while holding the lock at `path`. */
export async function withLock<T>(path: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const lock = await acquireLock(path, options);
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}
