// The git-annex journal: uncommitted git-annex branch files in .git/annex/journal/ (Annex/Journal.hs).

import { readdir, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import { errnoCode } from '../util/errors.js';
import { branchPathFromJournalFileName, journalFileName } from './locations.js';
import { mkdirUnder } from '../util/mkdir-under.js';

/** One journal entry: the branch path it stands for and the file holding it. */
export interface JournalEntry {
  readonly branchPath: string;
  readonly file: string;
}

/**
 * The journal directory. Each file holds the full new content of one branch file; the name is
 * the branch path with "/" → "_" and "_" → "__", exactly as git-annex names them, so either tool
 * commits what the other journalled. Writes go to othertmp/ and are renamed in, so a reader never
 * sees half a file.
 */
export class Journal {
  /** Invariant: `dir` and `tmpDir` are on the same filesystem (both under .git/annex). */
  readonly #dir: string;
  readonly #tmpDir: string;
  readonly #gitDir: string;

  constructor(annexDir: string) {
    this.#gitDir = dirname(annexDir);
    this.#dir = join(annexDir, 'journal');
    this.#tmpDir = join(annexDir, 'othertmp');
  }

  /** The journal directory's path. */
  get dir(): string {
    return this.#dir;
  }

  /** The journalled content of a branch file, or undefined when it is not in the journal. */
  async read(branchPath: string): Promise<string | undefined> {
    try {
      return await readFile(join(this.#dir, journalFileName(branchPath)), 'utf8');
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return undefined;
      throw err;
    }
  }

  /** Journals the new full content of a branch file. Callers hold the journal lock. */
  async write(branchPath: string, content: string): Promise<void> {
    // Inside the git dir only: a repository that went away is not made afresh at its old path.
    await mkdirUnder(this.#gitDir, this.#dir);
    await mkdirUnder(this.#gitDir, this.#tmpDir);
    await writeFileAtomic(join(this.#dir, journalFileName(branchPath)), content, { tmpDir: this.#tmpDir });
  }

  /** Every journalled file. */
  async list(): Promise<JournalEntry[]> {
    let names: string[];
    try {
      names = await readdir(this.#dir);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return [];
      throw err;
    }
    return names
      .filter((n) => !n.startsWith('.'))
      .sort()
      .map((n) => ({ branchPath: branchPathFromJournalFileName(n), file: join(this.#dir, n) }));
  }

  /** Removes entries once they are committed. */
  async remove(entries: readonly JournalEntry[]): Promise<void> {
    await Promise.all(entries.map((e) => rm(e.file, { force: true })));
  }
}
