// sync --content: get what this repository wants, send what remotes want and drop what a repository no longer wants, looking only at what changed since the last content sync.

import type { Annex } from '../annex/annex.js';
import { loadDropPolicy } from '../content/auto-drop.js';
import type { AnnexedFile } from '../content/annexed-files.js';
import { runContentPass, type TransferRunner } from '../content/content-pass.js';
import { copyToRemote } from '../content/copy.js';
import { directRoutes } from '../content/direct-routes.js';
import { getFile } from '../content/get.js';
import { filesToVisit, ALL_FILES } from '../content/pass-work.js';
import { connectRemote, remoteNamed, type ContentSession } from '../content/session.js';
import { loadPreferredContent } from '../annex/preferred-content.js';
import type { Remote } from '../remotes/remote.js';
import { describeError } from '../util/errors.js';
import { contentWorkSince, readContentState, remotesKey, writeContentState } from './content-state.js';

/** Counts of what content sync did. */
export interface ContentOutcome {
  readonly got: number;
  readonly sent: number;
  /** Copies dropped here or from remotes because their repository no longer wants them. */
  readonly dropped: number;
  readonly failed: number;
  /** Annexed files looked at (all of them on a first or policy-changing sync, else what changed). */
  readonly checked: number;
}

/**
 * As `git annex sync --content` does, with preferred content (`git annex wanted`; a repository
 * without an expression wants everything): each annexed file missing here that this repository
 * wants is fetched (cheapest remote first), and each remote that lacks a file and wants it gets
 * it, in cost order, skipping annex-ignore'd and unreachable remotes. This is the shared content
 * pass (content/content-pass.ts) with git-annex's routes (content/direct-routes.ts) and transfers
 * run at once; the assistant runs the same pass with the planner's routes. Then, as git-annex's `sync --content` does, content
 * that this repository or a remote holds and no longer wants for any path using it is dropped
 * there, within numcopies (content/auto-drop.ts, the decision the assistant uses too). A failure
 * is counted and reported, never fatal.
 *
 * Only what may have changed is looked at: the pass records HEAD's tree, the git-annex branch and
 * the remotes it reached (content-state.ts), and the next pass visits the files that changed in
 * the tree, those whose location logs changed, and those that failed; a new remote, a remote back
 * online or a changed policy log (wanted, groups, numcopies, trust) looks at every file again.
 * The location logs of a chunk of files are read together (annex/branch.ts readMany), transfers
 * run one at a time.
 */
export async function syncContent(session: ContentSession, remotes: readonly Remote[]): Promise<ContentOutcome> {
  const annex: Annex = session.annex;
  let got = 0;
  let sent = 0;
  let failed = 0;
  const pending: string[] = [];
  const targets: Array<{ remote: Remote; uuid: string }> = [];
  for (const remote of remotes) {
    if (remote.config.ignore) continue;
    const uuid = await connectRemote(session, remote);
    if (uuid) targets.push({ remote, uuid });
  }
  await annex.branch.commit();
  const gitDir = annex.git.repo.gitDir;
  // remote.<name>.annex-trustlevel changes what may be dropped: a change makes the pass look at all.
  const trust = await annex.git.configGetRegexp('^remote\\..*\\.annex-trustlevel$');
  const trustSettings = trust.length ? `\n${trust.map(([k, v]) => `${k.toLowerCase()}=${v}`).sort().join('\n')}` : '';
  const now = {
    tree: (await annex.git.revParse('HEAD^{tree}')) ?? '',
    annex: (await annex.branch.head()) ?? '',
    remotes: remotesKey(targets.map((t) => ({ name: t.remote.name, uuid: t.uuid }))) + trustSettings,
  };
  const work = now.tree && now.annex ? await contentWorkSince(annex, await readContentState(gitDir), now) : ALL_FILES;
  const fail = (file: AnnexedFile, where: string, err: unknown): void => {
    failed++;
    pending.push(file.path);
    session.report({ level: 'warn', message: `${file.path}${where}: ${describeError(err)}` });
  };
  // Transfers run at once, one by one; a failure is counted and reported, never fatal.
  const runner: TransferRunner = {
    download: async (file) => {
      try {
        if ((await getFile(session, file)).status === 'got') got++;
      } catch (err) {
        fail(file, '', err);
      }
    },
    upload: async (file, name) => {
      try {
        if ((await copyToRemote(session, file, remoteNamed(session, name))).status === 'copied') sent++;
      } catch (err) {
        fail(file, ` to ${name}`, err);
      }
    },
    settle: async () => undefined,
  };
  const pass = await runContentPass({
    session,
    chunks: filesToVisit(annex, work),
    runner,
    setup: async () => ({
      routes: directRoutes({ here: annex.uuid, preferred: await loadPreferredContent(annex.branch), remotes: targets.map((t) => ({ name: t.remote.name, uuid: t.uuid })), unavailable: session.unavailable }),
      policy: await loadDropPolicy(session),
      targets,
    }),
  });
  failed += pass.dropFailed.length;
  pending.push(...pass.dropFailed);
  // The state below names the branch head: it must include this pass's location changes.
  await annex.branch.commit('update', { now: true });
  // A remote that went away during the pass did not get its files: the next pass looks at all again.
  const reached = targets.filter((t) => !session.unavailable.has(t.remote.name));
  const after = (await annex.branch.head()) ?? '';
  if (now.tree && after) {
    await writeContentState(gitDir, { tree: now.tree, annex: after, remotes: remotesKey(reached.map((t) => ({ name: t.remote.name, uuid: t.uuid }))) + trustSettings, pending: [...new Set(pending)] }).catch((err: unknown) =>
      session.report({ level: 'warn', message: `could not record the content sync state: ${describeError(err)}` }),
    );
  }
  return { got, sent, dropped: pass.dropped, failed, checked: pass.checked };
}
