// Figure 6: the network planner on generated networks of 1,000 and 10,000 repositories (runs bench/planner.bench.ts in a child).

import { join } from 'node:path';
import { ARBOR_ROOT } from '../lib/env.js';
import { run } from '../lib/exec.js';
import type { Figure } from '../lib/figure.js';
import { makeRow } from '../lib/rows.js';

/** What bench/planner.bench.ts prints for one network size. */
interface PlannerResult {
  readonly nodes: number;
  readonly links: number;
  readonly buildMs: number;
  readonly tree: { readonly edges: number; readonly cost: number; readonly unreachable: number };
  readonly arborescence: { readonly medianMs: number; readonly runsMs: readonly number[] };
  readonly plan: { readonly medianMs: number; readonly runsMs: readonly number[] };
}

/** Figure 6. */
export const plannerFigure: Figure = {
  id: 6,
  slug: 'planner',
  title: 'Planner: minimum arborescence and transfer plan on generated networks',
  needs: [],
  describeScale: () => '1,000 repositories / 10,000 links and 10,000 / 100,000 (both modes); 5 runs each; git-annex has no equivalent (it ranks remotes by cost)',
  run: async (ctx) => {
    // A child process, so the planner's heap does not share this process's memory or GC.
    const r = await run(process.execPath, ['--import', 'tsx', join(ARBOR_ROOT, 'bench', 'planner.bench.ts')], { cwd: ARBOR_ROOT, env: ctx.env, timeoutMs: 600_000 });
    if (r.code !== 0) throw new Error(`planner.bench.ts exited with ${r.code}: ${r.stderr.trim().slice(-300)}`);
    const out = JSON.parse(r.stdout) as { results: readonly PlannerResult[] };
    for (const p of out.results) {
      const size = `${p.nodes.toLocaleString('en-US')} repos / ${p.links.toLocaleString('en-US')} links`;
      const target = p.nodes >= 10_000 ? { anchorName: 'target < 1,000 ms' } : {};
      ctx.rows.push(
        makeRow({
          measure: `minimum arborescence, ${size} (ms)`,
          unit: 'ms',
          arbor: [...p.arborescence.runsMs],
          ...target,
          note: `${p.tree.edges} tree edges, ${p.tree.unreachable} unreachable; building the graph took ${p.buildMs} ms`,
        }),
        makeRow({ measure: `transfer plan (3 holders, numcopies 2), ${size} (ms)`, unit: 'ms', arbor: [...p.plan.runsMs], ...target }),
      );
    }
  },
};
