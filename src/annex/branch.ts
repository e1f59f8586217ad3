// The git-annex branch: reads through the journal, commits via a separate index, union-merges siblings.

import { readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Git } from '../git/git.js';
import { identities } from '../git/identity.js';
import { readTreeIntoIndex, updateIndexInfo, writeTree } from '../git/update-index.js';
import { withLock } from '../util/lockfile.js';
import { withFcntlWaitLock } from '../util/fcntl-wait-lock.js';
import { errnoCode, ReadOnlyError, readOnlyErrno } from '../util/errors.js';
import { Journal } from './journal.js';
import { unionMergeContent } from './logs/union-merge.js';
import { mkdirUnder } from '../util/mkdir-under.js';

/** The branch's short and full names. */
export const ANNEX_BRANCH = 'git-annex';
export const ANNEX_BRANCH_REF = 'refs/heads/git-annex';
const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

/** Options for AnnexBranch. */
export interface AnnexBranchOptions {
  readonly git: Git;
  /** `<git dir>/annex`. */
  readonly annexDir: string;
}

/** Up to this many paths, readMany reads by path; past it, one branch listing is cheaper. */
const READ_MANY_BY_PATH = 64;
/** Paths per `git ls-tree` run in readMany (~100 bytes each: far below the argument-length limit). */
const LS_TREE_PATHS_PER_RUN = 1000;
/** Temp files changeMany writes at once (each is a small log). */
const TEMP_WRITES_AT_ONCE = 32;
/**
 * From this many changed files on, changeMany commits through one `git fast-import` (blobs and
 * trees into one pack) instead of a loose object per blob and per tree: for 1,000 location logs
 * that is about 3,000 loose objects, most of a bulk add's time.
 */
const FAST_IMPORT_MIN_FILES = 64;

/**
 * The git-annex branch of one repository (doc/internals.mdwn in git-annex).
 *
 * Writes never touch the user's index or work tree: changes go to the journal
 * (.git/annex/journal/), are staged into the separate index .git/annex/index and committed with
 * commit-tree + a compare-and-swap update-ref. `.git/annex/index.lck` records the branch commit the
 * index matches, as git-annex expects. Other `…/git-annex` refs (remotes', synced/) are
 * union-merged line by line before the first read, as git-annex does.
 */
export class AnnexBranch {
  readonly #git: Git;
  readonly #annexDir: string;
  readonly #journal: Journal;
  /**
   * Invariant: set once update() has started in this process (git-annex merges once per process);
   * reads wait for it, so a concurrent reader never sees the branch before that merge.
   */
  #updated: Promise<unknown> | undefined;
  /**
   * Invariant: sibling commits the branch lacks, set only when the first update could not write
   * (a read-only repository); reads union-merge them in memory, as git-annex does there.
   */
  #overlay: readonly string[] = [];
  /** Invariant: the number of holdCommits scopes running; while positive, commit() without `now` only journals. */
  #held = 0;

  constructor(options: AnnexBranchOptions) {
    this.#git = options.git;
    this.#annexDir = options.annexDir;
    this.#journal = new Journal(options.annexDir);
  }

  /** The journal (for tools that need to see pending changes). */
  get journal(): Journal {
    return this.#journal;
  }

  get #indexFile(): string {
    return join(this.#annexDir, 'index');
  }

  get #lockPath(): string {
    return join(this.#annexDir, 'arbor-journal.lock');
  }

  /**
   * Runs `fn` holding the lock that serialises journal writes and branch commits. The lock is
   * taken only by writers: in a repository that cannot be written this throws ReadOnlyError.
   */
  async locked<T>(fn: () => Promise<T>): Promise<T> {
    try {
      await mkdirUnder(dirname(this.#annexDir), this.#annexDir);
      // arbor's own lock queues arbor's writers; git-annex's journal.lck (fcntl) keeps git-annex
      // from staging or removing journal files while arbor writes or commits them, and arbor
      // from doing so while git-annex does.
      return await withLock(this.#lockPath, () => withFcntlWaitLock(join(this.#annexDir, 'journal.lck'), fn));
    } catch (err) {
      const errno = readOnlyErrno(err, { anyDenial: true });
      if (errno && !(err instanceof ReadOnlyError)) throw new ReadOnlyError(this.#repoPath, errno, { cause: err });
      throw err;
    }
  }

  /** The repository, for messages: the work tree when there is one, else the git dir. */
  get #repoPath(): string {
    return this.#git.repo.workTree ?? this.#git.repo.gitDir;
  }

  /** The branch's commit, or undefined when it does not exist yet. */
  async head(): Promise<string | undefined> {
    return this.#git.revParse(ANNEX_BRANCH_REF);
  }

  /**
   * Makes sure the branch exists: from origin/git-annex when there is one (like
   * `git branch --no-track git-annex origin/git-annex`), else a "branch created" commit of the
   * empty tree. Returns the branch commit.
   */
  async ensureExists(): Promise<string> {
    const existing = await this.head();
    if (existing) return existing;
    const origin = await this.#git.revParse('refs/remotes/origin/git-annex');
    // git knows the empty tree without storing it, but `git fsck` wants every referenced object.
    if (!origin) await this.#git.run(['mktree'], { input: '' });
    const sha = origin ?? (await this.#git.commitTree({ tree: EMPTY_TREE, parents: [], message: 'branch created' }));
    await this.#git.updateRef(ANNEX_BRANCH_REF, sha, '');
    return sha;
  }

  /** Every sibling ref git-annex would merge: refs whose last component is `git-annex`. */
  async siblingRefs(): Promise<Map<string, string>> {
    return this.#git.refsWhere((ref) => ref !== ANNEX_BRANCH_REF && ref.endsWith('/git-annex') && !ref.startsWith('refs/annex/'));
  }


  /**
   * Union-merges every sibling git-annex ref with commits the local branch lacks. Fast-forwards
   * when the local branch is behind a single ref. Returns the refs merged.
   */
  async update(): Promise<string[]> {
    const run = this.#updateNow();
    // A repository that cannot be written still answers reads: the unmerged siblings are read
    // alongside the branch instead (any other failure only costs this process its merge).
    this.#updated ??= run.catch(async (err: unknown) => {
      if (err instanceof ReadOnlyError) this.#overlay = (await this.#pendingSiblings()).map(([, sha]) => sha);
    });
    return run;
  }

  async #updateNow(): Promise<string[]> {
    // Nothing to merge: no lock, no write (read-only repositories stay readable). The journal
    // stays for commit(): it only has to be committed first when a merge follows.
    if ((await this.#pendingSiblings()).length === 0) return [];
    return this.locked(async () => {
      // Journalled changes were computed from the branch as it was; commit them before merging so
      // the union merge combines them with the siblings' lines instead of a later commit of the
      // journal file overwriting what the merge brought in (git-annex does the same).
      await this.#commitJournal('update');
      // The ref can move under us without our lock (a peer's `git push … git-annex`, git-annex
      // itself): a failed compare-and-swap starts the merge again from the new head.
      for (let attempt = 0; ; attempt++) {
        try {
          return await this.#mergeSiblings();
        } catch (err) {
          if (attempt >= 5) throw err;
          await new Promise((r) => setTimeout(r, 20 * (attempt + 1)));
        }
      }
    });
  }

  /** Sibling refs (ref, commit) with commits the local branch lacks, one per distinct commit. */
  async #pendingSiblings(): Promise<Array<[string, string]>> {
    const local = await this.head();
    const pending: Array<[string, string]> = [];
    const seen = new Set<string>(local ? [local] : []);
    for (const [ref, sha] of await this.siblingRefs()) {
      if (seen.has(sha)) continue;
      seen.add(sha);
      if (local && (await this.#git.isAncestor(sha, local))) continue;
      pending.push([ref, sha]);
    }
    return pending;
  }

  /** One attempt at merging every sibling with new commits (the lock is held). */
  async #mergeSiblings(): Promise<string[]> {
    const local = await this.ensureExists();
    const pending = await this.#pendingSiblings();
    if (pending.length === 0) return [];
    const only = pending.length === 1 ? pending[0] : undefined;
    if (only && (await this.#git.isAncestor(local, only[1]))) {
      await this.#git.updateRef(ANNEX_BRANCH_REF, only[1], local);
      await this.#syncIndex(only[1], true);
      return [only[0]];
    }
    await this.#syncIndex(local);
    for (const [, sha] of pending) await this.#unionIntoIndex(sha);
    const tree = await writeTree({ cwd: this.#cwd, indexFile: this.#indexFile });
    const names = pending.map(([ref]) => ref);
    const commit = tree === (await this.#git.revParse(`${local}^{tree}`))
      ? await this.#joinHistories(tree, [local, ...pending.map(([, sha]) => sha)])
      : await this.#git.commitTree({
        tree,
        parents: [local, ...pending.map(([, sha]) => sha)],
        message: `merging ${names.join(' ')} into git-annex`,
      });
    try {
      await this.#git.updateRef(ANNEX_BRANCH_REF, commit, local);
    } catch (err) {
      await this.#writeIndexStatus('');
      throw err;
    }
    await this.#writeIndexStatus(commit);
    return names;
  }

  /**
   * A merge that brings nothing new, only joins histories (two repositories that merged each
   * other's branch at the same moment): the commit is made the same way everywhere (parents in
   * sha order, identity and date of the greatest parent, a fixed message), so both repositories
   * make the very same commit and the next fetch finds nothing to merge. A merge commit of its
   * own on each side would be new to the other, which would merge it, and so on forever.
   */
  async #joinHistories(tree: string, parents: readonly string[]): Promise<string> {
    const sorted = [...new Set(parents)].sort();
    const last = sorted[sorted.length - 1] as string;
    const raw = await this.#git.run(['cat-file', 'commit', last]);
    const m = /^committer (.*) <(.*)> (\d+ [+-]\d{4})$/m.exec(raw);
    const env = m
      ? { GIT_AUTHOR_NAME: m[1] ?? '', GIT_AUTHOR_EMAIL: m[2] ?? '', GIT_AUTHOR_DATE: `@${m[3] ?? ''}`, GIT_COMMITTER_NAME: m[1] ?? '', GIT_COMMITTER_EMAIL: m[2] ?? '', GIT_COMMITTER_DATE: `@${m[3] ?? ''}` }
      : undefined;
    return this.#git.commitTree({ tree, parents: sorted, message: 'merging git-annex branches (no change)', ...(env ? { env } : {}) });
  }

  /**
   * Merges siblings once per process, before the first read (as git-annex does). A repository
   * that cannot be written is read with the siblings overlaid instead; other failures reach the
   * first reader.
   */
  async #ensureUpdated(): Promise<void> {
    if (!this.#updated) await this.update().catch((err: unknown) => {
      if (!(err instanceof ReadOnlyError)) throw err;
    });
    await this.#updated;
  }

  /** The current content of a branch file: the journal's if pending, else the committed one. */
  async read(branchPath: string): Promise<string | undefined> {
    await this.#ensureUpdated();
    return this.#overlaid(branchPath, await this.readNoUpdate(branchPath));
  }

  /** `local` union-merged with the overlaid siblings' version of `branchPath` (read-only repositories). */
  async #overlaid(branchPath: string, local: string | undefined): Promise<string | undefined> {
    if (this.#overlay.length === 0) return local;
    let merged: Buffer | undefined = local === undefined ? undefined : Buffer.from(local, 'utf8');
    for (const sha of this.#overlay) {
      const blob = await this.#git.catFile().get(`${sha}:${branchPath}`);
      if (!blob) continue;
      merged = merged === undefined ? blob.content : unionMergeContent(merged, blob.content);
    }
    return merged?.toString('utf8');
  }

  /** Whether this process reads unmerged siblings in memory because the repository cannot be written. */
  get readOnlyOverlay(): boolean {
    return this.#overlay.length > 0;
  }

  /**
   * Reads many branch files at once (missing ones are left out). Past a few paths, `git ls-tree`
   * with the paths finds their blobs (one run per 1,000 paths) and the blobs are read pipelined
   * by id: a read by path makes cat-file walk the branch's trees from the top each time (~0.6 ms
   * per location log on a branch with 10,000 keys).
   */
  async readMany(branchPaths: Iterable<string>): Promise<Map<string, string>> {
    await this.#ensureUpdated();
    if (this.#overlay.length === 0) return this.#readManyNoUpdate(branchPaths);
    const wanted = [...new Set(branchPaths)];
    const local = await this.#readManyNoUpdate(wanted);
    const out = new Map<string, string>();
    await Promise.all(wanted.map(async (p) => {
      const text = await this.#overlaid(p, local.get(p));
      if (text !== undefined) out.set(p, text);
    }));
    return out;
  }

  async #readManyNoUpdate(branchPaths: Iterable<string>): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const wanted = new Set(branchPaths);
    if (wanted.size === 0) return out;
    const journalled = new Set((await this.#journal.list()).map((e) => e.branchPath));
    const fromGit = new Set<string>();
    const reads: Array<Promise<void>> = [];
    for (const p of wanted) {
      if (!journalled.has(p)) fromGit.add(p);
      else reads.push(this.#journal.read(p).then((text) => (text === undefined ? fromGit.add(p) : out.set(p, text)), () => undefined).then(() => undefined));
    }
    await Promise.all(reads);
    const cat = this.#git.catFile();
    if (fromGit.size <= READ_MANY_BY_PATH) {
      await Promise.all([...fromGit].map(async (p) => {
        const blob = await cat.get(`${ANNEX_BRANCH_REF}:${p}`);
        if (blob) out.set(p, blob.content.toString('utf8'));
      }));
      return out;
    }
    const head = await this.head();
    if (!head) return out;
    const shas: Array<[string, string]> = [];
    const paths = [...fromGit];
    for (let i = 0; i < paths.length; i += LS_TREE_PATHS_PER_RUN) {
      // ls-tree matches its paths literally (no globbing) and only walks the subtrees they name.
      const group = paths.slice(i, i + LS_TREE_PATHS_PER_RUN);
      for await (const rec of this.#git.records(['ls-tree', '-z', '--full-tree', head, '--', ...group])) {
        // "<mode> blob <sha>\t<path>"
        const tab = rec.indexOf('\t');
        const path = rec.slice(tab + 1);
        if (fromGit.has(path)) shas.push([path, rec.slice(rec.lastIndexOf(' ', tab) + 1, tab)]);
      }
    }
    await Promise.all(
      shas.map(async ([p, sha]) => {
        const blob = await cat.get(sha);
        if (blob) out.set(p, blob.content.toString('utf8'));
      }),
    );
    return out;
  }

  /** Like read, without merging siblings first. */
  async readNoUpdate(branchPath: string): Promise<string | undefined> {
    const journalled = await this.#journal.read(branchPath);
    if (journalled !== undefined) return journalled;
    // cat-file resolves the ref on every request (no rev-parse spawn per read).
    const blob = await this.#git.catFile().get(`${ANNEX_BRANCH_REF}:${branchPath}`);
    return blob?.content.toString('utf8');
  }

  /**
   * Changes one branch file under the journal lock: `fn` gets the current content and returns
   * the new one, or undefined to leave it unchanged. The change is journalled; commit() records it.
   */
  async change(branchPath: string, fn: (current: string | undefined) => string | undefined): Promise<boolean> {
    await this.#ensureUpdated();
    return this.locked(async () => {
      const current = await this.readNoUpdate(branchPath);
      const next = fn(current);
      if (next === undefined || next === current) return false;
      await this.#journal.write(branchPath, next);
      return true;
    });
  }

  /**
   * Commits the journal to the branch ("update"). A branch moved by someone else meanwhile
   * (git-annex, another arbor) is union-merged in rather than overwritten.
   */
  async commit(message = 'update', options: { now?: boolean } = {}): Promise<string | undefined> {
    // Inside holdCommits only a commit that must move the ref now (before a push) commits.
    if (this.#held > 0 && options.now !== true) return this.head();
    // An empty journal needs no lock (so read-only repositories are never written to).
    if ((await this.#journal.list()).length === 0) return this.head();
    return this.locked(() => this.#commitJournal(message));
  }

  /**
   * Runs `fn` with commit() deferred, then commits once: a command that changes the branch in
   * several steps makes one commit (five git processes), not one per step. Readers in this
   * process and git-annex read the journal, so nothing is hidden meanwhile; a commit that must
   * move the ref at once (before a push) passes `now`. Merging siblings (update) still commits
   * the journal first, as it must.
   */
  async holdCommits<T>(fn: () => Promise<T>): Promise<T> {
    this.#held++;
    let ok = false;
    try {
      const out = await fn();
      ok = true;
      return out;
    } finally {
      this.#held--;
      if (this.#held === 0) {
        // After a failure the journal stays for the next command rather than hiding the error.
        if (ok) await this.commit();
        else await this.commit().catch(() => undefined);
      }
    }
  }

  /** Stages the journal into the annex index and commits it. Callers hold the lock. */
  async #commitJournal(message: string): Promise<string | undefined> {
    const entries = await this.#journal.list();
    if (entries.length === 0) return this.head();
    await this.#commitFiles(entries.map((e) => ({ branchPath: e.branchPath, file: e.file })), message);
    await this.#journal.remove(entries);
    return this.head();
  }

  /**
   * Commits files (branch path → file holding its full new content) on top of the branch through
   * the annex index, with compare-and-swap; a branch moved by someone else meanwhile is
   * union-merged in. Callers hold the lock.
   */
  async #commitFiles(entries: ReadonlyArray<{ branchPath: string; file: string }>, message: string): Promise<void> {
    // A branch that does not exist yet (and has no origin/git-annex to start from) begins with
    // this commit itself, not with an empty "branch created" commit first: four git processes
    // fewer for every new repository.
    let parent: string | undefined = (await this.head()) ?? ((await this.#git.revParse('refs/remotes/origin/git-annex')) ? await this.ensureExists() : undefined);
    if (parent && entries.length < FAST_IMPORT_MIN_FILES && (await this.#commitSmall(parent, entries, message))) return;
    if (parent) await this.#syncIndex(parent);
    else {
      await rm(this.#indexFile, { force: true });
      await this.#writeIndexStatus('');
    }
    const out = await this.#git.run(['hash-object', '-w', '--no-filters', '--stdin-paths'], {
      input: entries.map((e) => e.file).join('\n') + '\n',
    });
    const shas = out.trim().split('\n');
    await updateIndexInfo({
      cwd: this.#cwd,
      indexFile: this.#indexFile,
      entries: entries.map((e, i) => ({ mode: '100644', sha: shas[i] ?? '', path: e.branchPath })),
    });
    for (let attempt = 0; ; attempt++) {
      const tree = await writeTree({ cwd: this.#cwd, indexFile: this.#indexFile });
      if (parent && tree === (await this.#git.treeOf(parent))) return;
      const commit = await this.#git.commitTree({ tree, parents: parent ? [parent] : [], message });
      try {
        await this.#git.updateRef(ANNEX_BRANCH_REF, commit, parent ?? '');
        await this.#writeIndexStatus(commit);
        return;
      } catch (err) {
        // Someone else committed to the branch since we read it: merge theirs into our index.
        // (Unmoved: the ref was locked by a push at that instant; wait a moment and retry.)
        const moved = await this.head();
        if (attempt >= 8 || !moved) throw err;
        if (moved === parent) {
          await new Promise((r) => setTimeout(r, 20 * (attempt + 1)));
          continue;
        }
        await this.#unionIntoIndex(moved);
        parent = moved;
      }
    }
  }

  /**
   * Commits a few files on top of `parent` through one `git fast-import` that writes the blobs,
   * trees and commit and moves the branch itself: one git process instead of five (hash-object,
   * update-index, write-tree, commit-tree, update-ref), and a few loose objects (fast-import
   * unpacks small imports). fast-import moves the branch only if it still is at `parent` (it
   * refuses a tip its commit does not contain), so a branch moved by someone else meanwhile is
   * never overwritten: false then, and the caller takes the index path, which merges. The annex
   * index is left as it was: index.lck still names the commit it holds, so the next index user
   * (arbor or git-annex) brings it up to date first. True when committed, or when nothing changed.
   */
  async #commitSmall(parent: string, entries: ReadonlyArray<{ branchPath: string; file: string }>, message: string): Promise<boolean> {
    // fast-import reads an unquoted path to the end of the line.
    if (entries.some((e) => e.branchPath.includes('\n') || e.branchPath.startsWith('"'))) return false;
    const idents = await identities(this.#git);
    if (!idents) return false;
    const contents = await Promise.all(entries.map((e) => readFile(e.file)));
    // Nothing new (each file already holds these bytes on the branch): no commit, as the index path.
    const cat = this.#git.catFile();
    const same = await Promise.all(entries.map(async (e, i) => (await cat.get(`${parent}:${e.branchPath}`))?.content.equals(contents[i] ?? Buffer.alloc(0)) === true));
    if (same.every(Boolean)) return true;
    const msg = Buffer.from(message);
    const parts: Buffer[] = [Buffer.from(`commit ${ANNEX_BRANCH_REF}\nauthor ${idents.author} now\ncommitter ${idents.committer} now\ndata ${msg.length}\n`), msg, Buffer.from(`\nfrom ${parent}\n`)];
    entries.forEach((e, i) => {
      const body = contents[i] ?? Buffer.alloc(0);
      parts.push(Buffer.from(`M 100644 inline ${e.branchPath}\ndata ${body.length}\n`), body, Buffer.from('\n'));
    });
    parts.push(Buffer.from('\ndone\n'));
    const r = await this.#git.tryRun(['fast-import', '--quiet', '--done', '--date-format=now'], { input: Buffer.concat(parts) });
    return r.code === 0;
  }


  /**
   * Commits `files` (branch path to content) on top of the branch through one `git fast-import`:
   * blobs and trees go into one pack. The branch moves by a compare-and-swap in the same
   * `update-ref --stdin` transaction that deletes fast-import's temporary ref, and the separate
   * index is brought up to date from the blob ids fast-import reports. False (nothing changed)
   * when the branch moved meanwhile or the committer identity is unknown: the caller then takes
   * the index path, which merges.
   */
  async #commitByFastImport(files: ReadonlyMap<string, string>, message: string): Promise<boolean> {
    const paths = [...files.keys()];
    // fast-import reads an unquoted path to the end of the line.
    if (paths.some((p) => p.includes('\n') || p.startsWith('"'))) return false;
    const parent = await this.ensureExists();
    await this.#syncIndex(parent);
    const [author, committer] = await Promise.all(['GIT_AUTHOR_IDENT', 'GIT_COMMITTER_IDENT'].map((v) => this.#git.tryRun(['var', v])));
    if (author?.code !== 0 || committer?.code !== 0) return false;
    const ident = (r: { stdout: Buffer }): string => r.stdout.toString('utf8').trim();
    const tmpRef = `refs/arbor/fast-import-${process.pid}`;
    const marks = join(this.#annexDir, 'othertmp', `fast-import-marks-${process.pid}-${Date.now()}`);
    await mkdirUnder(dirname(this.#annexDir), dirname(marks));
    const parts: Buffer[] = [];
    paths.forEach((path, i) => {
      const body = Buffer.from(files.get(path) ?? '');
      parts.push(Buffer.from(`blob\nmark :${i + 2}\ndata ${body.length}\n`), body, Buffer.from('\n'));
    });
    const msg = Buffer.from(message);
    parts.push(Buffer.from(`commit ${tmpRef}\nmark :1\nauthor ${ident(author)}\ncommitter ${ident(committer)}\ndata ${msg.length}\n`), msg, Buffer.from(`\nfrom ${parent}\n`));
    paths.forEach((path, i) => parts.push(Buffer.from(`M 100644 :${i + 2} ${path}\n`)));
    parts.push(Buffer.from('\ndone\n'));
    try {
      // fast-import grows its heap in many small steps; where brk is dear (measured in a VM here:
      // 7,600 brk calls, 0.69 s for 1,000 blobs) a larger top pad makes it 0.06 s. It only
      // reserves address space: pages are used as they are touched.
      const imported = await this.#git.tryRun(['fast-import', '--quiet', '--done', `--export-marks=${marks}`], { input: Buffer.concat(parts), env: { MALLOC_TOP_PAD_: String(64 << 20) } });
      if (imported.code !== 0) {
        await this.#git.tryRun(['update-ref', '-d', tmpRef]);
        return false;
      }
      const shas = new Map<number, string>();
      for (const line of (await readFile(marks, 'utf8')).split('\n')) {
        const m = /^:(\d+) ([0-9a-f]+)$/.exec(line);
        if (m) shas.set(Number(m[1]), m[2] as string);
      }
      const commit = shas.get(1);
      if (!commit) throw new Error('git fast-import reported no commit');
      const moved = await this.#git.tryRun(['update-ref', '--stdin'], { input: `update ${ANNEX_BRANCH_REF} ${commit} ${parent}\ndelete ${tmpRef}\n` });
      if (moved.code !== 0) {
        await this.#git.tryRun(['update-ref', '-d', tmpRef]);
        return false;
      }
      await updateIndexInfo({ cwd: this.#cwd, indexFile: this.#indexFile, entries: paths.map((path, i) => ({ mode: '100644', sha: shas.get(i + 2) ?? '', path })) });
      await this.#writeIndexStatus(commit);
      return true;
    } finally {
      await rm(marks, { force: true });
    }
  }

  /**
   * Changes many branch files at once and commits them in one commit, without a journal file per
   * change (for bulk work such as adding 10,000 files: one fsync'd journal file each would dominate).
   * The commit is atomic; a crash before it loses only these location updates, which fsck repairs.
   * Journalled versions of the same files are incorporated and removed.
   */
  async changeMany(changes: ReadonlyArray<{ branchPath: string; fn: (current: string | undefined) => string | undefined }>, message = 'update'): Promise<number> {
    if (changes.length === 0) return 0;
    await this.#ensureUpdated();
    return this.locked(async () => {
      const next = new Map<string, string>();
      const stored = await this.#readManyNoUpdate(changes.map((c) => c.branchPath));
      for (const c of changes) {
        const current = next.get(c.branchPath) ?? stored.get(c.branchPath);
        const value = c.fn(current);
        if (value !== undefined && value !== current) next.set(c.branchPath, value);
      }
      if (next.size === 0) return 0;
      if (this.#held > 0 && next.size < FAST_IMPORT_MIN_FILES) {
        // Inside holdCommits a few changes are journalled and ride on the one commit at the end.
        for (const [branchPath, value] of next) await this.#journal.write(branchPath, value);
        return next.size;
      }
      if (next.size >= FAST_IMPORT_MIN_FILES && (await this.#commitByFastImport(next, message))) {
        const imported = new Set(next.keys());
        await this.#journal.remove((await this.#journal.list()).filter((e) => imported.has(e.branchPath)));
        return next.size;
      }
      const tmp = join(this.#annexDir, 'othertmp', `batch-${process.pid}-${Date.now()}`);
      await mkdirUnder(dirname(this.#annexDir), tmp);
      try {
        const entries = [...next.keys()].map((branchPath, i) => ({ branchPath, file: join(tmp, String(i)) }));
        // The blobs go to git through files (hash-object --stdin-paths); written a few at a time.
        for (let i = 0; i < entries.length; i += TEMP_WRITES_AT_ONCE) {
          await Promise.all(entries.slice(i, i + TEMP_WRITES_AT_ONCE).map((e) => writeFile(e.file, next.get(e.branchPath) ?? '')));
        }
        await this.#commitFiles(entries, message);
        const journalled = new Set(next.keys());
        await this.#journal.remove((await this.#journal.list()).filter((e) => journalled.has(e.branchPath)));
      } finally {
        await rm(tmp, { recursive: true, force: true });
      }
      return next.size;
    });
  }

  /** Every file path in the branch (committed) plus journalled ones. */
  async listFiles(): Promise<string[]> {
    await this.#ensureUpdated();
    const head = await this.head();
    const files = new Set<string>();
    if (head) for (const e of await this.#git.lsTree(head, { recursive: true })) files.add(e.path);
    for (const sha of this.#overlay) for (const e of await this.#git.lsTree(sha, { recursive: true })) files.add(e.path);
    for (const e of await this.#journal.list()) files.add(e.branchPath);
    return [...files].sort();
  }

  get #cwd(): string {
    return this.#git.repo.gitDir;
  }

  /** Makes .git/annex/index hold `commit`'s tree unless index.lck says it already does. */
  async #syncIndex(commit: string, force = false): Promise<void> {
    if (!force && (await this.#readIndexStatus()) === commit) return;
    await readTreeIntoIndex({ cwd: this.#cwd, indexFile: this.#indexFile, treeish: commit });
    await this.#writeIndexStatus(commit);
  }

  async #readIndexStatus(): Promise<string | undefined> {
    try {
      return (await readFile(join(this.#annexDir, 'index.lck'), 'utf8')).trim() || undefined;
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return undefined;
      throw err;
    }
  }

  async #writeIndexStatus(commit: string): Promise<void> {
    await writeFile(join(this.#annexDir, 'index.lck'), `${commit}\n`);
  }

  /**
   * Union-merges the tree of `commit` into the annex index: a file only in `commit` is taken as
   * is, a file in both becomes the byte-sorted set of both versions' lines (Git/UnionMerge.hs).
   */
  async #unionIntoIndex(commit: string): Promise<void> {
    const env = { GIT_INDEX_FILE: this.#indexFile };
    const raw = await this.#git.run(['diff-index', '--cached', '-z', '--no-renames', commit], { env });
    const parts = raw.split('\0');
    const changed: Array<{ path: string; theirs: string; ours: string }> = [];
    for (let i = 0; i + 1 < parts.length; i += 2) {
      const meta = parts[i] ?? '';
      const path = parts[i + 1] ?? '';
      const fields = meta.replace(/^:/, '').split(' ');
      const theirs = fields[2] ?? '';
      const ours = fields[3] ?? '';
      const status = fields[4] ?? '';
      if (status.startsWith('A')) continue; // only in our index: keep
      changed.push({ path, theirs, ours: status.startsWith('D') ? '' : ours });
    }
    if (changed.length === 0) return;
    const tmp = join(this.#annexDir, 'othertmp', `union-${process.pid}`);
    await mkdirUnder(dirname(this.#annexDir), tmp);
    try {
      const files: string[] = [];
      const reuse = new Map<number, string>();
      for (const [i, c] of changed.entries()) {
        if (!c.ours || /^0+$/.test(c.ours)) {
          reuse.set(i, c.theirs);
          continue;
        }
        const a = (await this.#git.catFile().get(c.theirs))?.content ?? Buffer.alloc(0);
        const b = (await this.#git.catFile().get(c.ours))?.content ?? Buffer.alloc(0);
        const file = join(tmp, String(i));
        await writeFile(file, unionMergeContent(b, a)); // ours first: git-annex keeps our bytes when they already hold every line
        files.push(file);
      }
      const shas = files.length
        ? (await this.#git.run(['hash-object', '-w', '--no-filters', '--stdin-paths'], { input: files.join('\n') + '\n' })).trim().split('\n')
        : [];
      let next = 0;
      await updateIndexInfo({
        cwd: this.#cwd,
        indexFile: this.#indexFile,
        entries: changed.map((c, i) => ({ mode: '100644', sha: reuse.get(i) ?? shas[next++] ?? '', path: c.path })),
      });
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }
}
