// fsyncs owed by a batch of writes, done together at one barrier instead of one wait per file.

import { open } from 'node:fs/promises';
import PQueue from 'p-queue';

/** How many fsyncs run at once at a barrier (the journal commits them together). */
const PARALLEL_SYNCS = 16;

/**
 * Files and directories written without their fsync, to be made durable together by `flush()`.
 * Whoever fills a batch must not rely on those writes (replace the only other copy, record a
 * location) until `flush()` has resolved; concurrent fsyncs cost little more than one.
 */
export class SyncBatch {
  /** Invariant: paths whose fsync is owed; emptied by flush. */
  readonly #paths = new Set<string>();

  /** Owes an fsync of the file or directory at `path`. */
  add(path: string): void {
    this.#paths.add(path);
  }

  /** How many fsyncs are owed. */
  get size(): number {
    return this.#paths.size;
  }

  /**
   * fsyncs everything owed, several at once, and empties the batch. Rejects with the first error
   * (a directory that refuses fsync is skipped, as fsyncDir does).
   */
  async flush(): Promise<void> {
    const paths = [...this.#paths];
    this.#paths.clear();
    const queue = new PQueue({ concurrency: PARALLEL_SYNCS });
    await Promise.all(paths.map((path) => queue.add(() => syncPath(path))));
  }
}

/** fsyncs a file or directory through a read-only descriptor (works on Linux; objects stay read-only). */
export async function syncPath(path: string): Promise<void> {
  const h = await open(path, 'r');
  try {
    await h.sync();
  } catch (err) {
    // Some filesystems refuse fsync on directories; fsyncDir ignores that too.
    if (!(await h.stat()).isDirectory()) throw err;
  } finally {
    await h.close();
  }
}
