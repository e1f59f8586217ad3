// `init`: make a git repository an annex (v10) repository, as `git annex init` does, idempotently.

import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { openGit } from '../git/git.js';
import { systemClock } from '../util/clock.js';
import { errnoCode } from '../util/errors.js';
import { Annex, ANNEX_VERSION, defaultDescription, makeAnnexDirs, type AnnexDeps } from './annex.js';
import { describeRepository, repositoryDescriptions } from './logs/uuid.js';
import { DEFAULT_LARGEFILES } from './largefiles.js';

/** What init did. */
export interface InitResult {
  readonly uuid: string;
  readonly description: string;
  /** False when the repository was already initialised (init is idempotent). */
  readonly created: boolean;
  /** Other git-annex branches merged in (a clone's origin/git-annex, …). */
  readonly mergedRefs: readonly string[];
  /** Whether the default annex.largefiles rule was added to .gitattributes. */
  readonly wroteLargefiles: boolean;
}

/** The command git runs as the long-running filter for `filter=annex` files. */
export const FILTER_PROCESS_COMMAND = 'git-arbor filter-process';

/**
 * Initialises the repository at `path`: annex.uuid, annex.version=10, the git-annex branch (from
 * origin's when cloning) with this repository's uuid.log line, the `filter=annex` attribute and
 * filter process for unlocked files, and the default annex.largefiles rule in .gitattributes.
 * Running it again changes nothing but an explicitly given description.
 */
export async function initAnnex(
  path: string,
  options: { description?: string; deps?: AnnexDeps; filterCommand?: string } = {},
): Promise<InitResult> {
  const git = await openGit(path);
  const existing = await git.configGet('annex.uuid');
  const uuid = existing ?? randomUUID();
  if (!existing) await git.configSet('annex.uuid', uuid);
  if ((await git.configGet('annex.version')) !== ANNEX_VERSION) await git.configSet('annex.version', ANNEX_VERSION);
  await makeAnnexDirs(git.repo.gitDir);
  const annex = new Annex({ git, uuid, deps: options.deps ?? { clock: systemClock } });
  // Joining an existing annex (a clone, a peer's branch fetched) keeps that network's policy.
  const newAnnex = (await annex.branch.siblingRefs()).size === 0 && (await annex.branch.head()) === undefined;
  try {
    const mergedRefs = await annex.branch.update();
    const known = (await repositoryDescriptions(annex.branch)).get(uuid);
    const description = options.description ?? known ?? defaultDescription(git.repo.workTree ?? git.repo.gitDir);
    if (known !== description) await describeRepository(annex.branch, { uuid, description, now: annex.now() });
    let wroteLargefiles = false;
    if (git.repo.workTree) {
      await setUpFilter(annex, options.filterCommand ?? FILTER_PROCESS_COMMAND);
      if (newAnnex) wroteLargefiles = await writeDefaultLargefiles(annex);
    }
    await annex.branch.commit();
    return { uuid, description, created: !existing, mergedRefs, wroteLargefiles };
  } finally {
    await annex.close();
  }
}

/** Configures git to pass `filter=annex` files through arbor's filter process (unlocked files). */
async function setUpFilter(annex: Annex, command: string): Promise<void> {
  const git = annex.git;
  const current = await git.configGet('filter.annex.process');
  // Keep git-annex's own filter when it is configured: both implement the same conversion.
  // Replace an arbor filter command that no longer matches (arbor moved or newly on PATH).
  if (!current || (current !== command && current.includes('git-arbor') && !current.startsWith('git-annex'))) {
    await git.configSet('filter.annex.process', command);
  }
  const infoAttributes = join(git.repo.gitDir, 'info', 'attributes');
  const attrs = await readOptional(infoAttributes);
  const tracked = await readOptional(join(git.repo.workTree ?? '', '.gitattributes'));
  if (!/filter=annex/.test(attrs) && !/filter=annex/.test(tracked)) {
    await mkdir(join(git.repo.gitDir, 'info'), { recursive: true });
    await appendFile(infoAttributes, `${attrs && !attrs.endsWith('\n') ? '\n' : ''}\n* filter=annex\n`);
  }
}

/** Adds `* annex.largefiles=<default>` to .gitattributes unless a rule is already there. */
async function writeDefaultLargefiles(annex: Annex): Promise<boolean> {
  const workTree = annex.git.repo.workTree;
  if (!workTree) return false;
  if (await annex.git.configGet('annex.largefiles')) return false;
  const file = join(workTree, '.gitattributes');
  const text = await readOptional(file);
  if (/annex\.largefiles/.test(text)) return false;
  await appendFile(file, `${text && !text.endsWith('\n') ? '\n' : ''}* annex.largefiles=${DEFAULT_LARGEFILES}\n`);
  return true;
}

async function readOptional(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return '';
    throw err;
  }
}
