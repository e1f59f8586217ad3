// get: bring a file's content here from the cheapest remote that has it, verified.

import { rm } from 'node:fs/promises';
import type { Remote, Progress } from '../remotes/remote.js';
import { ArborError, describeError } from '../util/errors.js';
import type { AnnexedFile } from './annexed-files.js';
import { connectRemote, locationsOf, recordLocation, type ContentSession } from './session.js';
import { deltaHints } from './delta-hints.js';
import { populateUnlocked } from './worktree.js';
import { configuredThrottle, type ThrottleFor } from '../transfers/transfer-config.js';

/** No reachable remote has the content. */
export class NoCopyError extends ArborError {
  constructor(path: string, tried: readonly string[], reasons: readonly string[] = [], cause?: unknown) {
    super(
      'ENOCOPY',
      tried.length
        ? `could not get ${path}: ${reasons.length ? reasons.join('; ') : `no reachable copy (tried ${tried.join(', ')})`}`
        : `could not get ${path}: no known copy in any reachable remote`,
      { data: { path, tried, reasons }, ...(cause === undefined ? {} : { cause }) },
    );
  }
}

/** Result of getting one file. */
/** How `getFile` went; `delta` when the object was rebuilt from an earlier version here (bytes that came from the remote, and the object's size). */
export type GetResult = { readonly status: 'present' } | { readonly status: 'got'; readonly from: string; readonly delta?: { readonly bytes: number; readonly total: number } };

/**
 * Gets the content of `file` unless it is here already: remotes the location log names are tried
 * cheapest first (then, if none worked, any other reachable remote that turns out to have it).
 * Content is verified before it counts; a partial download resumes next time. Without a
 * `throttle`, the repository's configured rate limits apply. When a copy failed verification,
 * the NoCopyError's cause is that VerificationError (so a caller can retry from scratch).
 */
export async function getFile(
  session: ContentSession,
  file: AnnexedFile,
  options: { from?: Remote; progress?: Progress; throttle?: ThrottleFor } = {},
): Promise<GetResult> {
  const { annex } = session;
  if (await annex.store.has(file.key)) {
    if (await populateUnlocked(annex, file)) session.restage.add(file.path);
    return { status: 'present' };
  }
  const locations = new Set(await locationsOf(session, file.key));
  const usable = (options.from ? [options.from] : session.remotes).filter((r) => !r.config.ignore || options.from);
  const listed: Remote[] = [];
  const others: Remote[] = [];
  for (const r of usable) {
    const uuid = r.uuid || (await connectRemote(session, r));
    if (!uuid) continue;
    (locations.has(uuid) ? listed : others).push(r);
  }
  const tried: string[] = [];
  const reasons: string[] = [];
  let verifyFailure: unknown;
  for (const remote of [...listed, ...others]) {
    if (session.unavailable.has(remote.name)) continue;
    if (!listed.includes(remote) && !(await remote.checkPresent(file.key).catch(() => false))) continue;
    tried.push(remote.name);
    try {
      await annex.store.ensureTmpDir();
      const tmp = annex.store.tmpPathFor(file.key);
      const throttle = (options.throttle ?? (await configuredThrottle(annex)))(remote.name);
      const info = await remote.retrieve(file.key, tmp, options.progress, throttle, deltaHints(session, file));
      await annex.store.commitTemp(file.key, tmp);
      await recordLocation(session, file.key, annex.uuid, true);
      if (await populateUnlocked(annex, file)) session.restage.add(file.path);
      return { status: 'got', from: remote.name, ...(info?.delta ? { delta: info.delta } : {}) };
    } catch (err) {
      if (err instanceof ArborError && err.code === 'EVERIFY') {
        await rm(annex.store.tmpPathFor(file.key), { force: true });
        verifyFailure = err;
      }
      if (err instanceof ArborError && err.code === 'ENOSPC') throw err;
      reasons.push(describeError(err));
    }
  }
  throw new NoCopyError(file.path, tried, reasons, verifyFailure);
}
