// sync --content: get what this repository wants, send what remotes want and drop what a repository no longer wants, looking only at what changed since the last content sync.

import type { Annex } from '../annex/annex.js';
import { formatKey } from '../annex/key.js';
import { annexedFileChunks, annexedFilesAt, type AnnexedFile } from '../content/annexed-files.js';
import { autoDrop, loadDropPolicy, mayDrop } from '../content/auto-drop.js';
import { copyToRemote } from '../content/copy.js';
import { getFile } from '../content/get.js';
import { connectRemote, type ContentSession } from '../content/session.js';
import { keysLocations } from '../annex/logs/location.js';
import { loadPreferredContent, type ContentSubject } from '../annex/preferred-content.js';
import type { Remote } from '../remotes/remote.js';
import { describeError } from '../util/errors.js';
import { contentWorkSince, readContentState, remotesKey, writeContentState, type ContentWork } from './content-state.js';

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

/** The annexed files a pass looks at, in chunks (the whole tree is streamed, never held whole). */
async function* filesToVisit(annex: Annex, work: ContentWork): AsyncGenerator<AnnexedFile[]> {
  if (work.all) {
    yield* annexedFileChunks(annex, [], { requireMatch: false });
    return;
  }
  const seen = new Set<string>();
  const byPath = work.paths.length ? await annexedFilesAt(annex, work.paths) : [];
  for (const f of byPath) seen.add(f.path);
  if (byPath.length) yield byPath;
  if (work.keys.size === 0) return;
  for await (const chunk of annexedFileChunks(annex, [], { requireMatch: false })) {
    const hit = chunk.filter((f) => !seen.has(f.path) && work.keys.has(formatKey(f.key)));
    if (hit.length) yield hit;
  }
}

/**
 * As `git annex sync --content` does, with preferred content (`git annex wanted`; a repository
 * without an expression wants everything): each annexed file missing here that this repository
 * wants is fetched (cheapest remote first), and each remote that lacks a file and wants it gets
 * it, in cost order, skipping annex-ignore'd and unreachable remotes (the assistant's transferrer
 * follows the network planner instead). Then, as git-annex's `sync --content` does, content
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
  let checked = 0;
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
  const preferred = await loadPreferredContent(annex.branch);
  const policy = await loadDropPolicy(session);
  const dropCandidates: AnnexedFile[] = [];
  const work = now.tree && now.annex ? await contentWorkSince(annex, await readContentState(gitDir), now) : { all: true as const };
  for await (const chunk of filesToVisit(annex, work)) {
    checked += chunk.length;
    const [present, logs] = await Promise.all([Promise.all(chunk.map((f) => annex.store.has(f.key))), keysLocations(annex.branch, chunk.map((f) => f.key))]);
    for (const [i, file] of chunk.entries()) {
      const here = present[i] === true;
      const locations = new Set(logs.get(formatKey(file.key)) ?? []);
      const subject = (): ContentSubject => ({ path: file.path, size: file.key.size, backend: file.key.backend, locations: [...locations] });
      try {
        if (!here && (await preferred.wants({ uuid: annex.uuid, subject: subject() }))) {
          const r = await getFile(session, file);
          if (r.status === 'got') got++;
          locations.add(annex.uuid);
        }
        if (!here && !locations.has(annex.uuid)) {
          // Not wanted here, so not here to send; a remote may still hold what it no longer wants.
          const usable = targets.filter((t) => !session.unavailable.has(t.remote.name));
          if (await mayDrop(policy, file, { uuid: annex.uuid, present: false }, [...locations], usable)) dropCandidates.push(file);
          continue;
        }
      } catch (err) {
        failed++;
        pending.push(file.path);
        session.report({ level: 'warn', message: `${file.path}: ${describeError(err)}` });
        continue;
      }
      for (const { remote, uuid } of targets) {
        if (locations.has(uuid) || session.unavailable.has(remote.name)) continue;
        if (!(await preferred.wants({ uuid, subject: subject() }))) continue;
        try {
          const r = await copyToRemote(session, file, remote);
          if (r.status === 'copied') {
            sent++;
            locations.add(uuid);
          }
        } catch (err) {
          failed++;
          pending.push(file.path);
          session.report({ level: 'warn', message: `${file.path} to ${remote.name}: ${describeError(err)}` });
        }
      }
      const usable = targets.filter((t) => !session.unavailable.has(t.remote.name));
      if (await mayDrop(policy, file, { uuid: annex.uuid, present: true }, [...locations], usable)) dropCandidates.push(file);
    }
  }
  const drops = await autoDrop(session, policy, dropCandidates, targets);
  failed += drops.failed.length;
  pending.push(...drops.failed);
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
  return { got, sent, dropped: drops.dropped, failed, checked };
}
