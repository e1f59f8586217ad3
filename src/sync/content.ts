// sync --content: get what this repository wants and send what remotes want (simple policy for now).

import type { Annex } from '../annex/annex.js';
import { listAnnexedFiles } from '../content/annexed-files.js';
import { copyToRemote } from '../content/copy.js';
import { getFile } from '../content/get.js';
import { connectRemote, locationsOf, type ContentSession } from '../content/session.js';
import type { Remote } from '../remotes/remote.js';
import { describeError } from '../util/errors.js';

/** Counts of what content sync did. */
export interface ContentOutcome {
  readonly got: number;
  readonly sent: number;
  readonly failed: number;
}

/**
 * Every repository wants everything (the planner issue replaces this): each annexed file missing
 * here is fetched (cheapest remote first), and each remote that lacks a file gets it, in cost
 * order, skipping annex-ignore'd and unreachable remotes. A failure is counted and reported, never
 * fatal.
 */
export async function syncContent(session: ContentSession, remotes: readonly Remote[]): Promise<ContentOutcome> {
  const annex: Annex = session.annex;
  let got = 0;
  let sent = 0;
  let failed = 0;
  const targets: Array<{ remote: Remote; uuid: string }> = [];
  for (const remote of remotes) {
    if (remote.config.ignore) continue;
    const uuid = await connectRemote(session, remote);
    if (uuid) targets.push({ remote, uuid });
  }
  for (const file of await listAnnexedFiles(annex)) {
    try {
      if (!(await annex.store.has(file.key))) {
        const r = await getFile(session, file);
        if (r.status === 'got') got++;
      }
    } catch (err) {
      failed++;
      session.report({ level: 'warn', message: `${file.path}: ${describeError(err)}` });
      continue;
    }
    const locations = new Set(await locationsOf(session, file.key));
    for (const { remote, uuid } of targets) {
      if (locations.has(uuid) || session.unavailable.has(remote.name)) continue;
      try {
        const r = await copyToRemote(session, file, remote);
        if (r.status === 'copied') sent++;
      } catch (err) {
        failed++;
        session.report({ level: 'warn', message: `${file.path} to ${remote.name}: ${describeError(err)}` });
      }
    }
  }
  return { got, sent, failed };
}
