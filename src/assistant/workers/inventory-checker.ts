// The inventory checker: at every contact with a remote (start-up, reachable again, a drive plugged in) it reconciles the remote's inventory with the location log and repairs the log.

import { checkInventory, describeInventory } from '../../content/inventory-check.js';
import { closeSession, connectRemote, openSession, type ContentSession } from '../../content/session.js';
import { readRemoteConfigs } from '../../remotes/index.js';
import { describeError } from '../../util/errors.js';
import type { AssistantContext } from '../context.js';
import type { Worker } from '../worker.js';

const WORKER = 'inventory';

/**
 * Self-stabilising repair of the location log, as the network design asks: whatever went wrong
 * between two contacts (an object deleted by hand on a server, a drive restored from an old image,
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
    const all = (await readRemoteConfigs(ctx.annex)).filter((c) => c.sync && !c.ignore && !c.special && c.arborServe !== false).map((c) => c.name);
    // Start-up is a contact with every remote reachable now; the others are checked when they return.
    ctx.reachability.contacts.push(...all.filter((n) => !ctx.reachability.waiting(n)));
    for (;;) {
      const names = [...new Set(await ctx.reachability.contacts.takeAll(signal))];
      await Promise.all(names.map((name) => ctx.lanes.once(name, WORKER, () => checkRemote(ctx, name)).catch(() => undefined)));
    }
  },
};

async function checkRemote(ctx: AssistantContext, name: string): Promise<void> {
  const log = { worker: WORKER, remote: name };
  let session: ContentSession | undefined;
  try {
    // Unreachable remotes are left to the workers that track reachability: they say so once.
    session = await openSession(ctx.annex, (e) => ctx.log.debug(log, e.message), () => true);
    const remote = session.remotes.find((r) => r.name === name);
    if (!remote?.inventoryDifference || remote.config.special || remote.config.arborServe === false) return;
    const uuid = await connectRemote(session, remote);
    if (!uuid) return;
    const report = await checkInventory(session, remote, uuid, { repair: true });
    if (!report) return;
    if (report.fixes.length === 0) {
      ctx.log.debug(log, describeInventory(report));
      return;
    }
    await ctx.annex.branch.commit('update');
    ctx.log.info(log, describeInventory(report));
    ctx.commits.notify();
    if (ctx.settings.content) ctx.transfers.push('');
  } catch (err) {
    ctx.log.warn(log, `could not check the inventory of ${name}: ${describeError(err)}`);
  } finally {
    if (session) await closeSession(session).catch(() => undefined);
  }
}
