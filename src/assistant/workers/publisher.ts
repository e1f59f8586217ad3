// The publisher: keeps this repository's links in the network map (arbor/network.log) current, so that peers plan transfers with them.

import { ownLinks, publishNetworkEdges } from '../../content/own-links.js';
import { serialised } from '../../sync/steps.js';
import { describeError } from '../../util/errors.js';
import type { AssistantContext } from '../context.js';
import type { RemoteStatus } from '../daemon-status.js';
import type { Worker } from '../worker.js';

/** How often the pushers' per-remote results are looked at (in memory: no git, no disk). */
const POLL_MS = 1000;

/** Whether the last push to a remote reached it: undefined when none was tried yet. */
export function reachedLastTime(remote: RemoteStatus): boolean | undefined {
  const failed = remote.lastFailure?.time;
  if (remote.lastSync === undefined) return failed === undefined ? undefined : false;
  return failed === undefined || remote.lastSync >= failed;
}

/** The push outcomes the status holds, as one comparable string (changes after every push round). */
function pushStamp(ctx: AssistantContext): string {
  return Object.entries(ctx.status.snapshot.remotes)
    .map(([name, r]) => `${name}:${r.lastSync ?? '-'}:${r.lastFailure?.time ?? '-'}`)
    .sort()
    .join('|');
}

/** Whether each remote's last push reached it, for the remotes pushed to so far. */
function reachability(ctx: AssistantContext): Map<string, boolean | undefined> {
  const reachable = new Map<string, boolean | undefined>();
  for (const [name, r] of Object.entries(ctx.status.snapshot.remotes)) reachable.set(name, reachedLastTime(r));
  return reachable;
}

/**
 * Publishes, commits the git-annex branch and, when the links changed and one is available, tells the pusher.
 * Availability comes from the last push per remote; remotes not pushed to yet keep what
 * ownLinks decides (a local path that exists, else what was published last).
 */
async function publish(ctx: AssistantContext, reachable: ReadonlyMap<string, boolean | undefined>, quiet: boolean): Promise<boolean> {
  try {
    const wrote = await serialised(async () => {
      const changed = await publishNetworkEdges(ctx.annex, { reachable });
      if (changed) await ctx.annex.branch.commit();
      return changed;
    });
    if (wrote) {
      ctx.log.info({ worker: 'publisher' }, 'published this repository\'s links in the network map');
      // The pusher spreads them with the git-annex branch, when some remote can be reached; else
      // they wait for the next push that reaches one (a push round now would only fail again).
      if ((await ownLinks(ctx.annex, { reachable }).catch(() => [])).some((l) => l.available)) ctx.commits.notify();
    }
    return true;
  } catch (err) {
    if (!quiet) ctx.log.warn({ worker: 'publisher' }, `could not publish the network map: ${describeError(err)}; trying again`);
    return false;
  }
}

/**
 * Publishes this repository's links at start, then again after each push round (seen as new
 * per-remote results in the status), so that the links' availability follows what the pusher
 * found and the map spreads with the git-annex branch. No loop: publishNetworkEdges writes only
 * when a link changed, so the push of a publication leads to one more publish that writes nothing.
 * A failed publication (a peer's push moved the git-annex branch under it) is tried again after
 * 1 s, 2 s, 4 s … (at most a minute), warning once per run of failures. A remote that is
 * reachable again after failing asks the transferrer to look at the whole tree: the plans that
 * routed around it can now use it.
 */
export const publisher: Worker = {
  name: 'publisher',
  run: async (ctx, signal) => {
    let seen = pushStamp(ctx);
    let before = reachability(ctx);
    let failures = (await publish(ctx, before, false)) ? 0 : 1;
    let retryAt = ctx.clock.now() + POLL_MS;
    while (!signal.aborted) {
      try {
        await ctx.clock.sleep(POLL_MS, signal);
      } catch {
        break;
      }
      const stamp = pushStamp(ctx);
      const retry = failures > 0 && ctx.clock.now() >= retryAt;
      if (stamp === seen && !retry) continue;
      seen = stamp;
      const now = reachability(ctx);
      const back = [...now].filter(([name, ok]) => ok === true && before.get(name) === false).map(([name]) => name);
      before = now;
      if (back.length && ctx.settings.content) {
        ctx.log.info({ worker: 'publisher' }, `${back.join(', ')} reachable again: content follows`);
        ctx.transfers.push('');
      }
      if (await publish(ctx, now, failures > 0)) {
        failures = 0;
      } else {
        failures++;
        retryAt = ctx.clock.now() + Math.min(POLL_MS * 2 ** (failures - 1), 60_000);
      }
    }
  },
};
