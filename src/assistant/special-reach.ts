// Special remotes in the assistant's reachability state: connections report to it, and the retrier probes those that are due.
//
// A special remote (a folder, a cloud reached through a program) has no git side: the merger and
// pusher never talk to it, so only content work learns whether it is there. The transferrer's
// connections tell the reachability state (one warning when it goes, one line when it is back);
// while it waits out its back-off nothing connects to it and the plans route around it; when the
// back-off has passed (or its folder is back) the retrier tries it once, and on success asks the
// transferrer to look at the whole tree, so the content that waited flows again.

import { readSpecialRemoteConfigs, openRemote } from '../remotes/index.js';
import type { Remote } from '../remotes/remote.js';
import type { ConnectionWatch } from '../content/session.js';
import { ArborError, describeError } from '../util/errors.js';
import type { AssistantContext } from './context.js';

/** Why a special remote could not be used, in one line naming it. */
export function unreachableReason(remote: string, err: unknown): string {
  const text = describeError(err);
  return text.includes(`remote ${remote}`) ? text : `remote ${remote}: ${text}`;
}

/**
 * Records that a special remote answered. After an outage the status also gets the time as its
 * last sync, so the publisher (which judges links by the last sync against the last failure)
 * publishes the link as available again.
 */
function reachedNow(ctx: Pick<AssistantContext, 'reachability' | 'status' | 'clock'>, name: string): void {
  const was = ctx.reachability.get(name).state;
  ctx.reachability.reached(name);
  if (was !== 'reachable') ctx.status.update(() => void (ctx.status.remote(name).lastSync = ctx.clock.now()));
}

/** Whether an error says the remote cannot be reached (rather than that one transfer failed). */
export function isUnreachableError(err: unknown): boolean {
  return err instanceof ArborError && err.code === 'EREMOTEUNAVAILABLE';
}

/**
 * The connection watch of a transfer session. A special remote's connection outcome goes to the
 * reachability state, which tells the user (so the session does not). A git remote's goes to
 * `gitContent` (the transferrer's content back-off, content-reach.ts), which returns whether it
 * told the user; its reachability state is left to fetches and pushes. `startedAt` makes every
 * failure of one batch one try.
 */
export function watchConnections(
  ctx: Pick<AssistantContext, 'reachability' | 'status' | 'clock'>,
  startedAt: number,
  gitContent: (remote: Remote, error?: unknown) => boolean = () => false,
): ConnectionWatch {
  return (remote: Remote, error?: unknown): boolean => {
    if (!remote.config.special) return gitContent(remote, error);
    if (error === undefined) reachedNow(ctx, remote.name);
    else ctx.reachability.failed(remote.name, unreachableReason(remote.name, error), startedAt);
    return true;
  };
}

/** The special remotes of this repository, by name, with the folder of each `directory` one. */
export async function specialRemotes(ctx: Pick<AssistantContext, 'annex'>): Promise<Map<string, { readonly directory?: string }>> {
  const out = new Map<string, { readonly directory?: string }>();
  for (const c of await readSpecialRemoteConfigs(ctx.annex)) {
    const dir = c.special?.type === 'directory' ? c.special.settings.get('directory') : undefined;
    out.set(c.name, dir !== undefined ? { directory: dir } : {});
  }
  return out;
}

/**
 * Tries each of `names` that is a special remote: opens it, connects (a folder is looked at, a
 * program is started and prepared) and closes it. Reached: the reachability state says it is back
 * and the transferrer looks at the whole tree. Not reached: it backs off further, quietly.
 * Returns the names that are not special remotes (for the caller's git retries).
 */
export async function probeSpecialRemotes(ctx: Pick<AssistantContext, 'annex' | 'reachability' | 'status' | 'transfers' | 'clock'>, names: readonly string[]): Promise<string[]> {
  if (names.length === 0) return [];
  const special = await specialRemotes(ctx);
  let back = false;
  for (const name of names.filter((n) => special.has(n))) {
    const started = ctx.clock.now();
    let remote: Remote | undefined;
    try {
      remote = await openRemote(ctx.annex, name);
      await remote.connect();
      reachedNow(ctx, name);
      back = true;
    } catch (err) {
      ctx.reachability.failed(name, unreachableReason(name, err), started);
    } finally {
      await remote?.close().catch(() => undefined);
    }
  }
  if (back) ctx.transfers.push('');
  return names.filter((n) => !special.has(n));
}
