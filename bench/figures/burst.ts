// Figure 2: a burst of new small files → all committed and pushed (arbor assistant, git annex assistant, plain git add/commit/push).

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startIdle } from '../lib/daemons.js';
import { run } from '../lib/exec.js';
import type { BenchContext, Figure } from '../lib/figure.js';
import { ARBOR_DEFAULT_RULE, firstSync, git, makeRepo, writeSmallFiles } from '../lib/fixtures.js';
import { memoryOf } from '../lib/proc.js';
import { hasFiles, pushedCommits, waitForPush } from '../lib/remote-watch.js';
import { contenders, makeRow, mib } from '../lib/rows.js';
import { sized } from '../lib/scale.js';

/** What one assistant burst measured; `incomplete` when the timeout cut it short (then `s` is a lower bound). */
interface BurstMeasure {
  readonly s: number;
  readonly hwmMiB: number;
  readonly incomplete?: string;
}

/** Files under burst/ in the newest pushed commit (for the note when the timeout hits). */
async function pushedCount(ctx: BenchContext, bare: string): Promise<number> {
  let best = 0;
  for (const sha of await pushedCommits(bare)) {
    const r = await run('git', ['ls-tree', '-r', '--name-only', sha, '--', 'burst'], { cwd: bare, env: ctx.env });
    best = Math.max(best, r.stdout.split('\n').filter(Boolean).length);
  }
  return best;
}

/** Seconds from the first write to a pushed commit holding every file, with the assistant's peak RSS. */
async function assistantBurst(ctx: BenchContext, t: 'arbor' | 'annex', round: number): Promise<BurstMeasure> {
  const dir = join(ctx.tmp, `${t}-${round}`);
  const bare = join(ctx.tmp, `${t}-${round}.git`);
  await makeRepo({ env: ctx.env, dir, tool: t, largefiles: ARBOR_DEFAULT_RULE, bare });
  await firstSync(t, dir, ctx.env);
  const h = await startIdle(ctx.daemons, t, dir);
  try {
    const seen = await pushedCommits(bare);
    const t0 = performance.now();
    writeSmallFiles({ root: join(dir, 'burst'), count: ctx.scale.burstFiles, salt: `${t}${round}` });
    const t1 = await waitForPush({ bare, env: ctx.env, done: hasFiles(bare, ctx.env, 'burst', ctx.scale.burstFiles), timeoutMs: ctx.scale.burstTimeoutMs, seen, everyMs: 50 });
    const mem = await memoryOf(h.pid);
    const hwmMiB = mib(mem?.hwmKiB ?? Number.NaN);
    if (t1 === undefined) {
      const limit = ctx.scale.burstTimeoutMs / 1000;
      const n = await pushedCount(ctx, bare);
      return { s: limit, hwmMiB, incomplete: `${t}: only ${n} of ${ctx.scale.burstFiles} files pushed after ${limit} s (the time is a lower bound)` };
    }
    return { s: (t1 - t0) / 1000, hwmMiB };
  } finally {
    await ctx.daemons.stop(h);
    rmSync(dir, { recursive: true, force: true });
    rmSync(bare, { recursive: true, force: true });
  }
}

/** The floor: the same writes, then git add -A, git commit, git push, in a plain git repository. */
async function plainBurst(ctx: BenchContext, round: number): Promise<number> {
  const dir = join(ctx.tmp, `git-${round}`);
  const bare = join(ctx.tmp, `git-${round}.git`);
  await makeRepo({ env: ctx.env, dir, tool: 'git', bare });
  await firstSync('git', dir, ctx.env);
  const c = { env: ctx.env };
  const t0 = performance.now();
  writeSmallFiles({ root: join(dir, 'burst'), count: ctx.scale.burstFiles, salt: `git${round}` });
  await git(dir, ['add', '-A'], c);
  await git(dir, ['commit', '-q', '-m', 'burst'], c);
  await git(dir, ['push', '-q', 'origin', 'main'], c);
  const s = (performance.now() - t0) / 1000;
  rmSync(dir, { recursive: true, force: true });
  rmSync(bare, { recursive: true, force: true });
  return s;
}

/** Figure 2. */
export const burstFigure: Figure = {
  id: 2,
  slug: 'burst',
  title: 'Burst: new small files → all committed and pushed',
  needs: ['git'],
  describeScale: (mode, s) =>
    `${sized(mode, (x) => x.burstFiles, 'files')} written at once into a running, idle assistant's work tree; ${s.burstRuns} run(s); small text files go to git (arbor's default rule in both)`,
  run: async (ctx) => {
    const who = contenders(ctx, { assistant: true });
    const s = { arbor: [] as number[], annex: [] as number[], git: [] as number[] };
    const hwm = { arbor: [] as number[], annex: [] as number[] };
    const notes = [...who.notes];
    for (let r = 0; r < ctx.scale.burstRuns; r++) {
      const order = (r % 2 === 0 ? (['arbor', 'annex'] as const) : (['annex', 'arbor'] as const)).filter((t) => who[t]);
      for (const t of order) {
        ctx.log(`figure 2: run ${r + 1}, ${t} assistant`);
        try {
          const m = await assistantBurst(ctx, t, r);
          s[t].push(m.s);
          hwm[t].push(m.hwmMiB);
          if (m.incomplete) notes.push(m.incomplete);
        } catch (err) {
          s[t].push(Number.NaN);
          notes.push(err instanceof Error ? err.message : String(err));
        }
      }
      ctx.log(`figure 2: run ${r + 1}, plain git`);
      s.git.push(await plainBurst(ctx, r));
    }
    ctx.rows.push(
      makeRow({
        measure: 'first write → all pushed (s)',
        unit: 's',
        ...(who.arbor ? { arbor: s.arbor } : {}),
        ...(who.annex ? { annex: s.annex } : {}),
        anchor: s.git,
        anchorName: 'git add -A && commit && push',
        ...(notes.length ? { note: notes.join('; ') } : {}),
      }),
      makeRow({
        measure: 'assistant peak RSS, main process (MiB)',
        unit: 'MiB',
        ...(who.arbor ? { arbor: hwm.arbor } : {}),
        ...(who.annex ? { annex: hwm.annex } : {}),
        note: 'VmHWM after the burst; git-annex also runs helper processes (see figure 3)',
      }),
    );
  },
};
