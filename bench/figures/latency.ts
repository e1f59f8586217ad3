// Figure 1: latency from a file write to its commit in a local bare remote, arbor assistant vs git annex assistant.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { startIdle, type DaemonHandle } from '../lib/daemons.js';
import type { BenchContext, Figure } from '../lib/figure.js';
import { ARBOR_DEFAULT_RULE, firstSync, makeRepo } from '../lib/fixtures.js';
import { waitCpuQuiet } from '../lib/proc.js';
import { hasPath, pushedCommits, waitForPush } from '../lib/remote-watch.js';
import { contenders, makeRow } from '../lib/rows.js';
import { sized } from '../lib/scale.js';
import { quantile } from '../lib/stats.js';

const WRITE_TIMEOUT_MS = 30_000;

/** One round: N spaced writes into a running assistant's work tree; ms to each commit's arrival (NaN when not seen). */
async function round(ctx: BenchContext, h: DaemonHandle, bare: string, tag: string): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < ctx.scale.latencyWrites; i++) {
    const rel = `lat-${tag}-${i}.txt`;
    const seen = await pushedCommits(bare);
    const t0 = performance.now();
    writeFileSync(join(h.dir, rel), `latency probe ${tag} ${i}\n`);
    const t1 = await waitForPush({ bare, env: ctx.env, done: hasPath(bare, ctx.env, rel), timeoutMs: WRITE_TIMEOUT_MS, seen });
    out.push(t1 === undefined ? Number.NaN : t1 - t0);
    // Spaced writes: the next one starts from an idle daemon (its push of the git-annex branch done).
    await waitCpuQuiet(h.pid, { windowMs: 300, maxShare: 0.05, timeoutMs: 5000 });
    await sleep(200 + ((i * 37) % 300));
  }
  return out;
}

/** Figure 1. */
export const latencyFigure: Figure = {
  id: 1,
  slug: 'latency',
  title: 'Latency: file written → commit in a local bare remote (assistants)',
  needs: ['git'],
  describeScale: (mode) =>
    `${sized(mode, (x) => x.latencyWrites, 'spaced writes')} × ${sized(mode, (x) => x.latencyRounds, 'round(s)')} per assistant; small text files (arbor's default annex.largefiles rule in both repositories, so they go to git)`,
  run: async (ctx) => {
    const who = contenders(ctx, { assistant: true });
    const tools = (['arbor', 'annex'] as const).filter((t) => who[t]);
    const repos = new Map<'arbor' | 'annex', { dir: string; bare: string }>();
    for (const t of tools) {
      const dir = join(ctx.tmp, `${t}-w`);
      const bare = join(ctx.tmp, `${t}-remote.git`);
      await makeRepo({ env: ctx.env, dir, tool: t, largefiles: ARBOR_DEFAULT_RULE, bare });
      await firstSync(t, dir, ctx.env);
      repos.set(t, { dir, bare });
    }
    const samples = { arbor: [] as number[][], annex: [] as number[][] };
    const failures: string[] = [];
    for (let r = 0; r < ctx.scale.latencyRounds; r++) {
      const order = r % 2 === 0 ? tools : [...tools].reverse();
      for (const t of order) {
        const repo = repos.get(t);
        if (!repo) continue;
        ctx.log(`figure 1: round ${r + 1}, ${t} assistant`);
        try {
          const h = await startIdle(ctx.daemons, t, repo.dir);
          try {
            samples[t].push(await round(ctx, h, repo.bare, `r${r}`));
          } finally {
            await ctx.daemons.stop(h);
          }
        } catch (err) {
          // Keep the other rounds: this one counts as missing (NaN breaks no pair but its own).
          samples[t].push(Array.from({ length: ctx.scale.latencyWrites }, () => Number.NaN));
          failures.push(`${t} round ${r + 1}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    }
    const pct = (xs: number[], q: number): number => {
      const ok = xs.filter(Number.isFinite).sort((a, b) => a - b);
      return ok.length ? quantile(ok, q) : Number.NaN;
    };
    const lost = (xs: number[][]): number => xs.flat().filter((x) => !Number.isFinite(x)).length;
    const notes = [...who.notes, ...failures];
    for (const t of tools) if (lost(samples[t])) notes.push(`${t}: ${lost(samples[t])} write(s) without a measurement (not pushed within ${WRITE_TIMEOUT_MS / 1000} s, or a failed round)`);
    const per = (t: 'arbor' | 'annex', q: number): number[] | undefined => (who[t] ? samples[t].map((xs) => pct(xs, q)) : undefined);
    const both = (input: { arbor: number[] | undefined; annex: number[] | undefined }): { arbor?: number[]; annex?: number[] } => ({
      ...(input.arbor ? { arbor: input.arbor } : {}),
      ...(input.annex ? { annex: input.annex } : {}),
    });
    ctx.rows.push(
      makeRow({ measure: 'p50 latency per round (ms)', unit: 'ms', ...both({ arbor: per('arbor', 0.5), annex: per('annex', 0.5) }), anchorName: 'target < 300 ms' }),
      makeRow({ measure: 'p90 latency per round (ms)', unit: 'ms', ...both({ arbor: per('arbor', 0.9), annex: per('annex', 0.9) }) }),
      makeRow({
        measure: 'every write (ms)',
        unit: 'ms',
        ...both({ arbor: who.arbor ? samples.arbor.flat() : undefined, annex: who.annex ? samples.annex.flat() : undefined }),
        note: notes.join('; ') || 'ratio column: writes paired in order',
      }),
    );
  },
};
