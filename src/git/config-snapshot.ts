// All of git's configuration read with one `git config --list`, kept while none of its files changes.
import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { SpawnResult } from '../util/spawn.js';
import type { RepoInfo } from './repo.js';

/** One config entry: the key as git prints it (section and name lower-cased), its value, null for a bare key. */
export type ConfigEntry = readonly [key: string, value: string | null];

/** How the snapshot runs git (the caller's Git, so retries and environment match). */
export type ConfigRunner = (args: readonly string[]) => Promise<SpawnResult>;

/** A file's identity and state; a git write replaces the file (lock file + rename), so the inode changes. */
type Signature = string;

const LIST_ARGS = ['config', '--list', '--show-origin', '-z'] as const;

/**
 * Every config entry of one repository (system, global, the repository's own, included files,
 * `-c` settings from the environment), read with one git and answered from memory until one of
 * the files it came from (or a file that would add to it: the repository's config, the global
 * and system files) changes, or until invalidate(). A command would otherwise start one
 * `git config` per setting it reads (annex.uuid, remotes, core.sshCommand, annex.*, arbor.*).
 */
export class ConfigSnapshot {
  readonly #run: ConfigRunner;
  readonly #repo: RepoInfo;
  readonly #env: NodeJS.ProcessEnv;
  /** Invariant: entries in git's order (with each one's origin), with the signatures of the files they were read from; undefined when unread or stale. */
  #loaded: Promise<Loaded | undefined> | undefined;

  constructor(options: { run: ConfigRunner; repo: RepoInfo; env?: NodeJS.ProcessEnv }) {
    this.#run = options.run;
    this.#repo = options.repo;
    this.#env = options.env ?? process.env;
  }

  /** Forgets what was read (after this process writes config). */
  invalidate(): void {
    this.#loaded = undefined;
  }

  /**
   * The entries, current as of this call; undefined when git could not list them (a malformed
   * file: the caller asks git for the one key, so git words the error).
   */
  async entries(): Promise<readonly ConfigEntry[] | undefined> {
    const loaded = await (this.#loaded ??= this.#load());
    if (loaded === undefined) {
      this.#loaded = undefined;
      return undefined;
    }
    for (const [file, sig] of loaded.files) {
      if ((await signature(file)) !== sig) {
        this.#loaded = undefined;
        return this.entries();
      }
    }
    return loaded.entries;
  }

  async #load(): Promise<Loaded | undefined> {
    // Signatures first: a file written while git reads it then looks changed at the next call.
    const files = new Map<string, Signature>();
    for (const f of this.#candidateFiles()) files.set(f, await signature(f));
    const r = await this.#run(LIST_ARGS);
    if (r.code !== 0) return undefined;
    const { entries, origins, entryOrigins } = parseConfigListZ(r.stdout);
    // git prints the repository's own files relative to where it ran (the work tree, else the git dir).
    for (const origin of origins) {
      const f = resolve(this.#repo.workTree ?? this.#repo.gitDir, origin);
      if (!files.has(f)) files.set(f, await signature(f));
    }
    return { entries, entryOrigins, files };
  }

  /** The repository's own config file, which `git config KEY VALUE` writes. */
  get #localFile(): string {
    return join(this.#repo.commonDir, 'config');
  }

  /** Whether an entry's origin ("file:.git/config", as git prints it relative to where it ran) is the repository's own file. */
  #isLocal(origin: string): boolean {
    if (!origin.startsWith('file:')) return false;
    return resolve(this.#repo.workTree ?? this.#repo.gitDir, origin.slice('file:'.length)) === this.#localFile;
  }

  /**
   * Before this process writes `key` to the repository's config file: the current state (checked
   * against the files), to be brought up to date by localWriteDone instead of listing again.
   */
  async beforeLocalWrite(): Promise<Loaded | undefined> {
    if ((await this.entries()) === undefined) return undefined;
    return this.#loaded;
  }

  /**
   * After this process ran `git config --replace-all key value` (or `--unset-all key`, value
   * undefined) successfully: the snapshot takes the change itself (the key's values from the
   * repository's file replaced, placed where git lists that file) rather than listing everything
   * again; a command that sets three keys and reads between them starts one `git config --list`,
   * not four. Anything it cannot place for certain (an include, a key git would refuse, a
   * snapshot that was not loaded) forgets the snapshot, as before. A write by another process in
   * the same instant as ours can be missed until the file changes again.
   */
  async localWriteDone(before: Loaded | undefined, key: string, value: string | undefined): Promise<void> {
    const canonical = canonicalConfigKey(key);
    const current = await this.#loaded;
    if (!before || current !== before || canonical === undefined || canonical.startsWith('include')) {
      this.invalidate();
      return;
    }
    // Where git writes it: in place of the value it replaces, else at the end of the last section
    // of that name in the file, else in a new section at the end of the file.
    const section = canonical.slice(0, canonical.lastIndexOf('.') + 1);
    const entries: ConfigEntry[] = [];
    const entryOrigins: string[] = [];
    let replacedAt = -1;
    let sectionEnd = -1;
    let fileEnd = -1;
    before.entries.forEach((entry, i) => {
      const origin = before.entryOrigins[i] ?? '';
      const local = this.#isLocal(origin);
      if (local && entry[0] === canonical) {
        replacedAt = entries.length;
        return;
      }
      entries.push(entry);
      entryOrigins.push(origin);
      if (local) fileEnd = entries.length;
      if (local && entry[0].startsWith(section) && !entry[0].slice(section.length).includes('.')) sectionEnd = entries.length;
    });
    if (value !== undefined) {
      let insertAt = replacedAt >= 0 ? replacedAt : sectionEnd >= 0 ? sectionEnd : fileEnd;
      if (insertAt < 0) {
        // No entry of the repository's own file yet: its entries come after the system and global files'.
        const firstLater = entryOrigins.findIndex((o) => !o.startsWith('file:') || o.endsWith('config.worktree'));
        insertAt = firstLater < 0 ? entries.length : firstLater;
      }
      entries.splice(insertAt, 0, [canonical, value]);
      entryOrigins.splice(insertAt, 0, `file:${this.#localFile}`);
    }
    const files = new Map(before.files);
    files.set(this.#localFile, await signature(this.#localFile));
    this.#loaded = Promise.resolve({ entries, entryOrigins, files });
  }

  /** The files git reads config from in this repository, whether or not they exist yet. */
  #candidateFiles(): string[] {
    const env = this.#env;
    const home = env.HOME ?? homedir();
    const files = [join(this.#repo.commonDir, 'config'), join(this.#repo.gitDir, 'config.worktree')];
    if (env.GIT_CONFIG_GLOBAL !== undefined) files.push(env.GIT_CONFIG_GLOBAL);
    else files.push(join(home, '.gitconfig'), join(env.XDG_CONFIG_HOME ?? join(home, '.config'), 'git', 'config'));
    if (env.GIT_CONFIG_NOSYSTEM === undefined) files.push(env.GIT_CONFIG_SYSTEM ?? '/etc/gitconfig');
    return files.filter((f) => f !== '' && f !== '/dev/null');
  }
}

/** What one listing gave: the entries, each one's origin as git printed it, and the signatures of the files read. */
export interface Loaded {
  readonly entries: readonly ConfigEntry[];
  readonly entryOrigins: readonly string[];
  readonly files: ReadonlyMap<string, Signature>;
}

/** Snapshots shared by every Git of this process, by repository and the variables that choose config files. */
const shared = new Map<string, ConfigSnapshot>();

/** The process's snapshot of `repo`'s config (created on first use with `run`). */
export function sharedConfigSnapshot(repo: RepoInfo, run: ConfigRunner): ConfigSnapshot {
  const env = Object.entries(process.env).filter(([k]) => k === 'HOME' || k === 'XDG_CONFIG_HOME' || k.startsWith('GIT_CONFIG'));
  const id = JSON.stringify([repo.gitDir, repo.workTree ?? '', env]);
  let snap = shared.get(id);
  if (!snap) {
    snap = new ConfigSnapshot({ run, repo });
    shared.set(id, snap);
  }
  return snap;
}

/** A file's inode, size and change time, or "none" when it does not exist. */
async function signature(file: string): Promise<Signature> {
  try {
    const s = await stat(file, { bigint: true });
    return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
  } catch {
    return 'none';
  }
}

/**
 * Parses `git config --list --show-origin -z`: records "<origin>\0<key>\n<value>\0" ("<key>\0"
 * for a bare key). Returns the entries and the files named by `file:` origins.
 */
export function parseConfigListZ(out: Buffer): { entries: ConfigEntry[]; origins: string[]; entryOrigins: string[] } {
  const parts = out.toString('utf8').split('\0');
  const entries: ConfigEntry[] = [];
  const entryOrigins: string[] = [];
  const origins = new Set<string>();
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const origin = parts[i] ?? '';
    const rec = parts[i + 1] ?? '';
    entryOrigins.push(origin);
    if (origin.startsWith('file:')) origins.add(origin.slice('file:'.length));
    const nl = rec.indexOf('\n');
    entries.push(nl < 0 ? [rec, null] : [rec.slice(0, nl), rec.slice(nl + 1)]);
  }
  return { entries, origins: [...origins], entryOrigins };
}

/**
 * The key as git prints it: section and variable name lower-cased, a subsection kept as written;
 * undefined for a key git would refuse (the caller lets git say so).
 */
export function canonicalConfigKey(key: string): string | undefined {
  const first = key.indexOf('.');
  const last = key.lastIndexOf('.');
  if (first <= 0 || last === key.length - 1) return undefined;
  const section = key.slice(0, first);
  const name = key.slice(last + 1);
  if (!/^[A-Za-z0-9-]+$/.test(section) || !/^[A-Za-z][A-Za-z0-9-]*$/.test(name)) return undefined;
  const sub = first === last ? '' : key.slice(first, last + 1);
  return `${section.toLowerCase()}${sub === '' ? '.' : sub}${name.toLowerCase()}`;
}

/**
 * A config value read as a boolean the way git does (true/yes/on, false/no/off/'', integers,
 * a bare key is true); undefined for a value git would refuse.
 */
export function parseConfigBool(value: string | null): boolean | undefined {
  if (value === null) return true;
  const v = value.toLowerCase();
  if (v === 'true' || v === 'yes' || v === 'on') return true;
  if (v === 'false' || v === 'no' || v === 'off' || v === '') return false;
  if (/^[+-]?\d+$/.test(v)) return Number(v) !== 0;
  return undefined;
}
