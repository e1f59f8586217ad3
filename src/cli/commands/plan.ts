// `git arbor plan [path] [--json]`: the tree a file's content would travel along the network.

import { toTopRelative } from '../../content/annexed-files.js';
import { buildNetworkMap } from '../../content/network-map.js';
import { planForFile, planForNewContent, planToJson } from '../../content/plan.js';
import type { TransferPlan } from '../../network/planner.js';
import { withAnnex } from '../repo-context.js';
import type { ArborCommand } from '../command.js';

/**
 * Shows the transfer plan for one annexed file: from the repositories that have it to every one
 * that wants it, cheapest tree first. Without a path: the plan for new content added here.
 * `--json`: `{"root": uuid, "edges": [{"from","to","cost"}], "cost": total, "unreachable": [uuid]}`.
 */
export const planCommand: ArborCommand = {
  name: 'plan',
  summary: 'show how a file’s content would travel through the network',
  configure: (cmd) => void cmd.argument('[path]', 'an annexed file (default: new content added here)').option('--json', 'machine-readable output'),
  run: (ctx, args, opts) =>
    withAnnex(ctx, async (annex) => {
      const graph = await buildNetworkMap(annex);
      const path = args[0];
      let plan: TransferPlan;
      let title: string;
      if (typeof path === 'string') {
        const [top] = toTopRelative(annex.workTree ?? ctx.cwd, ctx.cwd, [path]);
        const filePlan = await planForFile(annex, top ?? path, { graph });
        plan = filePlan.plan;
        title = `plan for ${path}`;
      } else {
        plan = await planForNewContent(annex, { graph });
        title = 'plan for new content added here';
      }
      if (opts.json === true) {
        ctx.out.json(planToJson(plan));
        return 0;
      }
      // A repository by the remote name(s) this one gives it, its description and short UUID.
      const name = (uuid: string): string => {
        const a = graph.hasNode(uuid) ? graph.getNodeAttributes(uuid) : undefined;
        const d = a?.description ?? '';
        const names = a?.here === true ? ['here'] : (a?.remotes ?? []);
        const detail = [d, uuid.slice(0, 8)].filter(Boolean).join(', ');
        return names.length > 0 ? `${names.join(', ')} (${detail})` : d === '' ? uuid : `${d} (${uuid.slice(0, 8)})`;
      };
      // A link nobody published (a git-annex peer through a remote it shares): the peer fetches.
      const inferred = (from: string, to: string): boolean => graph.someDirectedEdge(from, to, (_k, attrs) => attrs.inferred === true);
      ctx.out.line(`${title}${plan.root === null ? ': no repository in the map has the content' : `, from ${name(plan.root)}`}`);
      for (const e of plan.edges) ctx.out.line(`  ${name(e.from)} -> ${name(e.to)}  cost ${e.cost}${inferred(e.from, e.to) ? ' (assumed: it syncs through there)' : ''}`);
      if (plan.edges.length === 0 && plan.root !== null) ctx.out.line('  nothing to send');
      ctx.out.line(`total cost ${plan.cost}`);
      for (const u of plan.unreachable) ctx.out.line(`unreachable: ${name(u)}`);
      return 0;
    }),
};
