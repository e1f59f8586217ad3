// The Git interface: the git operations arbor uses, run in one repository through an injected Spawner.
import { UsageError } from '../util/errors.js';
import { nodeSpawner } from '../util/spawn.js';
import type { Spawner, SpawnResult, StreamEnd } from '../util/spawn.js';
import { startCatFile } from './cat-file.js';
import type { CatFile } from './cat-file.js';
import { GitCommandError } from './errors.js';
import { fallbackIdentityEnv, missingIdentity } from './identity.js';
import { findRepository, gitEnv } from './repo.js';
import type { RepoInfo } from './repo.js';
import { parseLsTree } from './ls-tree.js';
import { ASK_GIT, listRefsFromFiles, readCurrentBranchFromFiles, readRefFromFiles } from './ref-files.js';
import { isAncestorByWalk, readCommitHeader } from './ancestry.js';
import { canonicalConfigKey, parseConfigBool, sharedConfigSnapshot } from './config-snapshot.js';
import { clearLocksAfterFailure, crashedBySignal, type RemovedLock } from './stale-lock.js';
import { systemClock } from '../util/clock.js';
import type { TreeEntry } from './ls-tree.js';

/** Options for one git run. */
export interface GitRunOptions {
  /** Bytes for git's stdin. */
  readonly input?: string | Uint8Array;
  /** Variables added to git's environment (e.g. GIT_INDEX_FILE, GIT_AUTHOR_DATE). */
  readonly env?: NodeJS.ProcessEnv;
}

/** One repository's git, with the operations arbor uses. */
export interface Git {
  /** Where the repository is. */
  readonly repo: RepoInfo;
  /** Runs git with args in the repository; returns stdout (UTF-8, untrimmed). Throws GitCommandError on a non-zero exit. */
  run(args: readonly string[], opts?: GitRunOptions): Promise<string>;
  /** Same, never throws because of the exit code; stdout stays bytes. */
  tryRun(args: readonly string[], opts?: GitRunOptions): Promise<SpawnResult>;
  /**
   * Runs git and yields its output records (NUL-terminated with `-z` commands, else lines) as
   * they arrive, for listings too big to hold whole. Throws GitCommandError after the last
   * record when git failed.
   */
  records(args: readonly string[], opts?: GitRunOptions & { readonly separator?: '\0' | '\n' }): AsyncGenerator<string>;
  /** The value of a config key (the last one when set several times), undefined when unset. A key set without `=` reads as ''. */
  configGet(key: string): Promise<string | undefined>;
  /** A config key read as a boolean the way git does (`yes`, `on`, `1`, a bare key are true); undefined when unset. */
  configGetBool(key: string): Promise<boolean | undefined>;
  /** Every value of a multi-valued key, in config order; [] when unset. */
  configGetAll(key: string): Promise<string[]>;
  /** [key, value] for every key matching the regexp (keys as git prints them: section and name lower-cased). */
  configGetRegexp(pattern: string): Promise<Array<[string, string]>>;
  /** Sets a key in the repository's config, replacing all its values. */
  configSet(key: string, value: string): Promise<void>;
  /** Removes every value of a key from the repository's config; no error when it is not set. */
  configUnset(key: string): Promise<void>;
  /** The object id `rev` names, or undefined when it does not resolve. */
  revParse(rev: string): Promise<string | undefined>;
  /**
   * Full ref name → object id for the refs matching `patterns` (git for-each-ref patterns: a ref
   * prefix such as `refs/heads/synced/` or a glob such as `refs/remotes/*\/main`); all refs when
   * none are given.
   */
  showRefs(patterns?: readonly string[]): Promise<Map<string, string>>;
  /**
   * Full ref name → object id for the refs whose name passes `wanted`, sorted by name; read from
   * git's ref files when they settle it, else from `git for-each-ref`.
   */
  refsWhere(wanted: (ref: string) => boolean): Promise<Map<string, string>>;
  /**
   * Points `ref` (a full name) at `sha`. With `oldSha`, only if the ref currently has that value
   * ('' or the zero id: only if it does not exist); otherwise throws GitCommandError.
   */
  updateRef(ref: string, sha: string, oldSha?: string): Promise<void>;
  /** Deletes `ref`, only if it currently has `oldSha` when that is given. Deleting a missing ref without oldSha is not an error. */
  deleteRef(ref: string, oldSha?: string): Promise<void>;
  /** The blob id of `content` (no filters applied); stores the blob when `write` is set. */
  hashObject(content: string | Uint8Array, opts?: { write?: boolean }): Promise<string>;
  /** Creates a commit object (author/committer from config and environment) and returns its id; the message is stored as given. */
  commitTree(opts: { tree: string; parents: readonly string[]; message: string; env?: NodeJS.ProcessEnv }): Promise<string>;
  /** The tree of a commit (read through the batch process), undefined when `commit` does not name one. */
  treeOf(commit: string): Promise<string | undefined>;
  /** True when `ancestor` is reachable from `descendant` (a commit is its own ancestor). Throws for unknown commits. */
  isAncestor(ancestor: string, descendant: string): Promise<boolean>;
  /** The short name of the checked-out branch (also when it has no commit yet); undefined when HEAD is detached. */
  currentBranch(): Promise<string | undefined>;
  /** The configured remotes with their (first) url as written in the config, in config order. */
  remotes(): Promise<Array<{ name: string; url: string }>>;
  /** The entries of a tree (`git ls-tree -z --full-tree`); paths are relative to the repository top. */
  lsTree(treeish: string, opts?: { recursive?: boolean; paths?: readonly string[] }): Promise<TreeEntry[]>;
  /** The repository's shared `git cat-file --batch` process, started on first use. */
  catFile(): CatFile;
  /** Stops the batch processes. The Git object remains usable; they restart when needed. */
  close(): Promise<void>;
  /**
   * Listens for stale locks removed after one of this Git's commands failed (see tryRun);
   * returns a function that stops listening.
   */
  onStaleLock(fn: (removed: RemovedLock & { readonly args: readonly string[] }) => void): () => void;
}

/** Runs of one command at most, when a stale lock or a crash of git itself made it fail. */
const MAX_ATTEMPTS = 3;

/** The all-zero object id: "no object" for update-ref. */
const ZERO_SHA = '0'.repeat(40);

/** Rejects values that git would take as an option (rev names and ref names never start with '-'). */
function notAnOption(what: string, value: string): string {
  if (value.startsWith('-')) throw new UsageError(`bad ${what}: ${JSON.stringify(value)}`);
  return value;
}

/** Splits NUL-terminated output into its records. */
function nulRecords(out: Buffer): string[] {
  const s = out.toString('utf8');
  if (s === '') return [];
  return (s.endsWith('\0') ? s.slice(0, -1) : s).split('\0');
}

/** Parses `git config -z --get-regexp` output: "key\nvalue\0" records ("key\0" for a bare key). */
export function parseConfigRegexpZ(out: Buffer): Array<[string, string]> {
  return nulRecords(out).map((rec) => {
    const nl = rec.indexOf('\n');
    return nl < 0 ? [rec, ''] : [rec.slice(0, nl), rec.slice(nl + 1)];
  });
}

/** Creates the Git of one repository. Commands run in its work tree (or git dir when bare). */
export function createGit(repo: RepoInfo, deps: { spawner?: Spawner } = {}): Git {
  const spawner = deps.spawner ?? nodeSpawner;
  const cwd = repo.workTree ?? repo.gitDir;
  let catFile: CatFile | undefined;
  // Config writes take turns: git takes config.lock for each and fails at once, not waiting, when
  // another write of ours holds it (two remotes recording their uuid side by side).
  let configWrites: Promise<unknown> = Promise.resolve();
  const configWrite = <T>(write: () => Promise<T>): Promise<T> => {
    const next = configWrites.then(write, write);
    configWrites = next.catch(() => undefined);
    return next;
  };

  const lockListeners = new Set<(removed: RemovedLock & { readonly args: readonly string[] }) => void>();
  const runOnce = (args: readonly string[], opts: GitRunOptions): Promise<SpawnResult> =>
    spawner.run('git', args, { cwd, env: gitEnv(opts.env), ...(opts.input === undefined ? {} : { input: opts.input }) });
  /**
   * Runs git; when it fails because of a lock nobody holds (left by one of our own git processes
   * that died, or by a crash) the lock is removed and the command run again; a git that crashed
   * (SIGBUS when a file it maps is truncated, …) is run again too, MAX_ATTEMPTS runs in all. A git
   * killed on purpose (SIGTERM, SIGKILL) only has its locks cleared.
   */
  const tryRun = async (args: readonly string[], opts: GitRunOptions = {}): Promise<SpawnResult> => {
    for (let attempt = 1; ; attempt++) {
      const r = await runOnce(args, opts);
      if (r.code === 0) return r;
      const removed = await clearLocksAfterFailure(repo, r, { now: systemClock.now() }).catch(() => []);
      for (const l of removed) for (const fn of lockListeners) fn({ ...l, args });
      if (attempt >= MAX_ATTEMPTS || !(removed.length > 0 || crashedBySignal(r.code))) return r;
    }
  };
  const check = (args: readonly string[], r: SpawnResult): SpawnResult => {
    if (r.code !== 0) throw new GitCommandError({ args, exitCode: r.code, stderr: r.stderr });
    return r;
  };
  const runBytes = async (args: readonly string[], opts?: GitRunOptions): Promise<Buffer> => check(args, await tryRun(args, opts)).stdout;
  const runLine = async (args: readonly string[], opts?: GitRunOptions): Promise<string> => (await runBytes(args, opts)).toString('utf8').trim();
  /** Runs a query whose exit code 1 means "nothing" (with no stderr); returns undefined then. */
  const query = async (args: readonly string[]): Promise<Buffer | undefined> => {
    const r = await tryRun(args);
    if (r.code === 1 && r.stderr.trim() === '') return undefined;
    return check(args, r).stdout;
  };

  // Config is read from one snapshot per repository and process (config-snapshot.ts); git is
  // asked directly only for what the snapshot cannot answer the same way (a malformed key or
  // file, a value git would refuse), so errors stay git's own.
  const snapshot = sharedConfigSnapshot(repo, (args) => tryRun(args));
  /** Values of a canonical key in config order, or undefined when git must be asked. */
  const valuesOf = async (key: string): Promise<Array<string | null> | undefined> => {
    const canonical = canonicalConfigKey(key);
    const entries = canonical === undefined ? undefined : await snapshot.entries();
    if (entries === undefined) return undefined;
    return entries.filter(([k]) => k === canonical).map(([, v]) => v);
  };
  const showRefs = async (patterns: readonly string[] = []): Promise<Map<string, string>> => {
    const out = await runBytes(['for-each-ref', '--format=%(objectname) %(refname)', '--', ...patterns]);
    const refs = new Map<string, string>();
    for (const line of out.toString('utf8').split('\n')) {
      const sp = line.indexOf(' ');
      if (sp > 0) refs.set(line.slice(sp + 1), line.slice(0, sp));
    }
    return refs;
  };
  const getCatFile = (): CatFile => {
    catFile ??= startCatFile({ cwd, env: gitEnv() });
    return catFile;
  };
  const configGetRegexp = async (pattern: string): Promise<Array<[string, string]>> => {
    let re: RegExp | undefined;
    try {
      re = /\[:|\\[<>bB]/.test(pattern) ? undefined : new RegExp(pattern); // POSIX classes and word anchors: git's own regex
    } catch {
      re = undefined;
    }
    const entries = re === undefined ? undefined : await snapshot.entries();
    if (re !== undefined && entries !== undefined) {
      const matching = re;
      return entries.filter(([k]) => matching.test(k)).map(([k, v]) => [k, v ?? '']);
    }
    const out = await query(['config', '-z', '--get-regexp', pattern]);
    return out === undefined ? [] : parseConfigRegexpZ(out);
  };

  return {
    repo,
    tryRun,
    async *records(args, opts = {}) {
      let end: StreamEnd | undefined;
      yield* spawner.records('git', args, {
        cwd,
        env: gitEnv(opts.env),
        ...(opts.input === undefined ? {} : { input: opts.input }),
        separator: opts.separator ?? '\0',
        onEnd: (e) => void (end = e),
      });
      if (end && end.code !== 0) throw new GitCommandError({ args, exitCode: end.code, stderr: end.stderr });
    },
    run: async (args, opts) => (await runBytes(args, opts)).toString('utf8'),

    async configGet(key) {
      const values = await valuesOf(key);
      if (values !== undefined) return values.length === 0 ? undefined : (values[values.length - 1] ?? '');
      const out = await query(['config', '-z', '--get', key]);
      return out === undefined ? undefined : (nulRecords(out)[0] ?? '');
    },
    async configGetBool(key) {
      const values = await valuesOf(key);
      const last = values?.[values.length - 1];
      if (values !== undefined && values.length === 0) return undefined;
      const parsed = last === undefined ? undefined : parseConfigBool(last);
      if (parsed !== undefined) return parsed;
      const out = await query(['config', '-z', '--type=bool', '--get', key]);
      return out === undefined ? undefined : nulRecords(out)[0] === 'true';
    },
    async configGetAll(key) {
      const values = await valuesOf(key);
      if (values !== undefined) return values.map((v) => v ?? '');
      const out = await query(['config', '-z', '--get-all', key]);
      return out === undefined ? [] : nulRecords(out);
    },
    configGetRegexp,
    configSet: (key, value) =>
      configWrite(async () => {
        const before = await snapshot.beforeLocalWrite();
        try {
          await runBytes(['config', '--replace-all', key, value]);
        } catch (err) {
          snapshot.invalidate();
          throw err;
        }
        await snapshot.localWriteDone(before, key, value);
      }),
    configUnset: (key) =>
      configWrite(async () => {
        const args = ['config', '--unset-all', key];
        const before = await snapshot.beforeLocalWrite();
        const r = await tryRun(args);
        if (r.code === 0) await snapshot.localWriteDone(before, key, undefined);
        else snapshot.invalidate();
        if (r.code !== 0 && r.code !== 5) check(args, r); // 5: the key was not set
      }),

    async revParse(rev) {
      if (rev.startsWith('-')) return undefined;
      // A full object id is its own answer (git rev-parse --verify does not look it up either).
      if (/^[0-9a-f]{40}(?:[0-9a-f]{24})?$/.test(rev)) return rev;
      // HEAD and branches come from git's ref files (ref-files.ts); every other name from git.
      const fromFiles = await readRefFromFiles(repo, rev);
      if (fromFiles !== ASK_GIT) return fromFiles;
      const out = await query(['rev-parse', '--verify', '--quiet', rev]);
      return out === undefined ? undefined : out.toString('utf8').trim();
    },
    showRefs,
    async refsWhere(wanted) {
      const fromFiles = await listRefsFromFiles(repo, wanted);
      if (fromFiles !== ASK_GIT) return fromFiles;
      const refs = new Map<string, string>();
      for (const [ref, sha] of await showRefs()) if (wanted(ref)) refs.set(ref, sha);
      return refs;
    },
    async updateRef(ref, sha, oldSha) {
      const args = ['update-ref', '--no-deref', notAnOption('ref name', ref), notAnOption('object id', sha)];
      if (oldSha !== undefined) args.push(oldSha === '' ? ZERO_SHA : notAnOption('object id', oldSha));
      await runBytes(args);
    },
    async deleteRef(ref, oldSha) {
      const args = ['update-ref', '--no-deref', '-d', notAnOption('ref name', ref)];
      if (oldSha !== undefined) args.push(notAnOption('object id', oldSha));
      await runBytes(args);
    },
    async hashObject(content, opts = {}) {
      return runLine(['hash-object', '-t', 'blob', ...(opts.write === true ? ['-w'] : []), '--stdin'], { input: content });
    },
    async commitTree(opts) {
      const args = ['commit-tree', notAnOption('tree', opts.tree), ...opts.parents.flatMap((p) => ['-p', notAnOption('parent', p)]), '-F', '-'];
      let r = await tryRun(args, { input: opts.message, ...(opts.env === undefined ? {} : { env: opts.env }) });
      // No identity configured (a fresh machine): commit as arbor rather than fail the first init.
      if (r.code !== 0 && missingIdentity(r.stderr)) r = await tryRun(args, { input: opts.message, env: { ...fallbackIdentityEnv(), ...opts.env } });
      return check(args, r).stdout.toString('utf8').trim();
    },
    async isAncestor(ancestor, descendant) {
      const walked = await isAncestorByWalk(getCatFile(), ancestor, descendant);
      if (walked !== undefined) return walked;
      const args = ['merge-base', '--is-ancestor', notAnOption('commit', ancestor), notAnOption('commit', descendant)];
      const r = await tryRun(args);
      if (r.code === 1) return false;
      check(args, r);
      return true;
    },
    async currentBranch() {
      const fromFiles = await readCurrentBranchFromFiles(repo);
      if (fromFiles !== ASK_GIT) return fromFiles;
      const out = await query(['symbolic-ref', '--quiet', '--short', 'HEAD']);
      return out === undefined ? undefined : out.toString('utf8').trim();
    },
    async remotes() {
      const seen = new Map<string, string>();
      for (const [key, url] of await configGetRegexp('^remote\\..*\\.url$')) {
        const name = key.slice('remote.'.length, -'.url'.length);
        if (!seen.has(name)) seen.set(name, url);
      }
      return [...seen].map(([name, url]) => ({ name, url }));
    },
    async lsTree(treeish, opts = {}) {
      const args = ['ls-tree', '-z', '--full-tree', ...(opts.recursive === true ? ['-r'] : []), notAnOption('tree-ish', treeish), '--', ...(opts.paths ?? [])];
      return parseLsTree(await runBytes(args));
    },
    catFile: getCatFile,
    async treeOf(commit) {
      const header = await readCommitHeader(getCatFile(), commit);
      if (header) return header.tree;
      const out = await query(['rev-parse', '--verify', '--quiet', `${notAnOption('commit', commit)}^{tree}`]);
      return out === undefined ? undefined : out.toString('utf8').trim();
    },
    async close() {
      await catFile?.close();
    },
    onStaleLock(fn) {
      lockListeners.add(fn);
      return () => void lockListeners.delete(fn);
    },
  };
}

/** Finds the repository containing `path` and creates its Git. Throws NotAGitRepositoryError. */
export async function openGit(path: string, deps: { spawner?: Spawner } = {}): Promise<Git> {
  return createGit(await findRepository(path, deps), deps);
}
