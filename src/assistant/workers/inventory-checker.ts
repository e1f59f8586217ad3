// The inventory checker: at every contact with a remote (start-up, reachable again, a drive plugged in) it reconciles the remote's inventory with the location log and repairs the log.

import { checkInventory, describeInventory } from '../../content/inventory-check.js';
import { closeSession, connectRemote, openSession, type ContentSession } from '../../content/session.js';
import { readRemoteConfigs } from '../../remotes/index.js';
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { describeError } from '../../util/errors.js';
import { assistantPaths } from '../paths.js';
import type { AssistantContext } from '../context.js';
import type { Worker } from '../worker.js';

const WORKER = 'inventory';

/**
 * A remote checked this recently is not checked again at start-up (a restart is no new contact);
 * its return after an absence always is. Checking reads every location log here (O(keys)), so a
 * large repository should not pay it at every start.
 */
export const STARTUP_RECHECK_MS = 24 * 3600_000;

/**
 * Self-stabilising repair of the location log, as the network design asks: whatever went wrong
 * between two contacts (checked at start-up unless done within a day, and at every return) (an object deleted by hand on a server, a drive restored from an old image,
 * a crash between a transfer and its log line, another tool) is corrected at the next contact.
 * Remotes that can check their inventory as a whole take part: path and drive remotes (listed
 * here) and ssh hosts running `git arbor serve` (set reconciliation: bytes grow with the
 * difference). Others (git-annex-shell hosts, special remotes) are left to `fsck`. Each remote is
 * checked in its own lane, after its fetch and push, so a hung host delays only itself. A check
 * that finds wrong entries commits the repair, says so in one line, has it pushed, and has the
 * content plan looked at again (a copy now known missing may be needed); a failed check says why
 * in one line and changes nothing.
 */
export const inventoryChecker: Worker = {
  name: WORKER,
  run: async (ctx, signal) => {
    // Hosts known to run git-annex-shell only are left out: they cannot answer as a whole.
    // A remote whose uuid is not known yet has no location log to check (and is not initialised here).
    const all = (await readRemoteConfigs(ctx.annex)).filter((c) => c.sync && !c.ignore && !c.special && c.arborServe !== false && c.uuid !== undefined).map((c) => c.name);
    const file = assistantPaths(ctx.annex.git.repo.gitDir).inventoryChecks;
    const checked = await readChecks(file);
    // Start-up is a contact with every remote reachable now and not checked within a day; the others are checked when they return.
    const now = ctx.clock.now();
    ctx.reachability.contacts.push(...all.filter((n) => !ctx.reachability.waiting(n) && !(now - (checked[n] ?? 0) < STARTUP_RECHECK_MS)));
    for (;;) {
      const names = [...new Set(await ctx.reachability.contacts.takeAll(signal))];
      await Promise.all(
        names.map((name) =>
          ctx.lanes
            .once(name, WORKER, () => checkRemote(ctx, name))
            .then(async (done) => {
              if (!done) return;
              checked[name] = ctx.clock.now();
              await writeFileAtomic(file, JSON.stringify(checked) + '\n').catch(() => undefined);
            })
            .catch(() => undefined),
        ),
      );
    }
  },
};

/** When each remote's inventory was last checked (ms), from the assistant's file; {} when there is none yet. */
async function readChecks(file: string): Promise<Record<string, number>> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, number>) : {};
  } catch {
    return {};
  }
}

/** Checks one remote; true when a check ran to its end (repairs made or none needed). */
async function checkRemote(ctx: AssistantContext, name: string): Promise<boolean> {
  const log = { worker: WORKER, remote: name };
  let session: ContentSession | undefined;
  try {
    // Unreachable remotes are left to the workers that track reachability: they say so once.
    session = await openSession(ctx.annex, (e) => ctx.log.debug(log, e.message), () => true);
    const remote = session.remotes.find((r) => r.name === name);
    // No uuid yet: nothing can be logged about it, and connecting would initialise a plain repository as an annex.
    if (!remote?.inventoryDifference || remote.config.special || remote.config.arborServe === false || remote.config.uuid === undefined) return false;
    const uuid = await connectRemote(session, remote);
    if (!uuid) return false;
    const report = await checkInventory(session, remote, uuid, { repair: true });
    if (!report) return false;
    if (report.fixes.length === 0) {
      ctx.log.debug(log, describeInventory(report));
      return true;
    }
    await ctx.annex.branch.commit('update');
    ctx.log.info(log, describeInventory(report));
    ctx.commits.notify();
    if (ctx.settings.content) ctx.transfers.push('');
    return true;
  } catch (err) {
    ctx.log.warn(log, `could not check the inventory of ${name}: ${describeError(err)}`);
    return false;
  } finally {
    if (session) await closeSession(session).catch(() => undefined);
  }
}
