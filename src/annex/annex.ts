// One annexed repository: its git, uuid, branch and object store, opened or initialised.

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { hostname, userInfo } from 'node:os';
import type { Git } from '../git/git.js';
import { openGit } from '../git/git.js';
import type { Clock } from '../util/clock.js';
import { systemClock } from '../util/clock.js';
import { ArborError } from '../util/errors.js';
import { AnnexBranch } from './branch.js';
import { ObjectStore } from './object-store.js';
import { vectorClockFromNanos, type VectorClock } from './vector-clock.js';
import { DEFAULT_BACKEND } from './backend.js';
import type { LargeFilesRules } from './largefiles.js';
import { CONFIG_LOG } from './logs/paths.js';
import { parseMapLog } from './logs/map-log.js';

/** The repository has no annex.uuid: `git arbor init` has not been run. */
export class NotInitializedError extends ArborError {
  constructor(path: string) {
    super('ENOTANNEX', `not initialised for arbor: ${path} (run: git arbor init)`, { data: { path } });
  }
}

/** What an Annex needs from outside. */
export interface AnnexDeps {
  readonly clock: Clock;
}

/** The repository version arbor reads and writes (git-annex v10). */
export const ANNEX_VERSION = '10';

/**
 * An open annexed repository. Create with openAnnex (existing) or initAnnex (new or existing);
 * close() stops its git batch processes.
 */
export class Annex {
  readonly git: Git;
  readonly uuid: string;
  readonly branch: AnnexBranch;
  readonly store: ObjectStore;
  readonly deps: AnnexDeps;

  constructor(options: { git: Git; uuid: string; deps: AnnexDeps }) {
    this.git = options.git;
    this.uuid = options.uuid;
    this.deps = options.deps;
    this.branch = new AnnexBranch({ git: this.git, annexDir: this.annexDir });
    this.store = new ObjectStore({ gitDir: this.git.repo.gitDir, bare: this.git.repo.bare });
  }

  /** `<git dir>/annex`. */
  get annexDir(): string {
    return join(this.git.repo.gitDir, 'annex');
  }

  /** The work tree, or undefined for a bare repository. */
  get workTree(): string | undefined {
    return this.git.repo.workTree;
  }

  /** A git-annex timestamp for now, from the injected clock. */
  now(): VectorClock {
    return vectorClockFromNanos(this.deps.clock.nowNanos());
  }

  /** The key backend for new content (annex.backend, else SHA256E). */
  async backend(): Promise<string> {
    return (await this.git.configGet('annex.backend')) ?? DEFAULT_BACKEND;
  }

  /** Whether new large files are added unlocked (annex.addunlocked). */
  async addUnlocked(): Promise<boolean> {
    const v = (await this.git.configGet('annex.addunlocked'))?.toLowerCase();
    return v === 'true' || v === 'yes' || v === 'on' || v === '1';
  }

  /** A repository-wide setting from the git-annex branch's config.log (`git annex config --set`). */
  async branchConfig(name: string): Promise<string | undefined> {
    return parseMapLog((await this.branch.read(CONFIG_LOG)) ?? '').get(name)?.value;
  }

  /** The annex.largefiles rules: git config, else .gitattributes, else `git annex config` (config.log). */
  async largeFilesRules(): Promise<LargeFilesRules> {
    const globalLargeFiles = await this.branchConfig('annex.largefiles');
    // Loaded on first use: the matcher's modules are start-up time every command would pay.
    const { loadLargeFilesRules } = await import('./largefiles.js');
    return loadLargeFilesRules({ workTree: this.workTree ?? this.git.repo.gitDir, configGet: (key) => this.git.configGet(key), ...(globalLargeFiles !== undefined ? { globalLargeFiles } : {}) });
  }

  /** Stops batch processes; the object must not be used afterwards. */
  async close(): Promise<void> {
    await this.git.close();
  }
}

/** Opens an initialised repository at or above `path`. */
export async function openAnnex(path: string, deps: AnnexDeps = { clock: systemClock }): Promise<Annex> {
  const git = await openGit(path);
  const uuid = await git.configGet('annex.uuid');
  if (!uuid) {
    await git.close();
    throw new NotInitializedError(git.repo.workTree ?? git.repo.gitDir);
  }
  return new Annex({ git, uuid, deps });
}

/** Creates .git/annex's directories. */
export async function makeAnnexDirs(gitDir: string): Promise<void> {
  for (const d of ['objects', 'tmp', 'journal', 'othertmp']) await mkdir(join(gitDir, 'annex', d), { recursive: true });
}

/** git-annex's default description: user@host:path. */
export function defaultDescription(path: string): string {
  let user = 'user';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (containers): keep the placeholder
  }
  return `${user}@${hostname()}:${path}`;
}
