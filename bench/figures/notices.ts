// Figure 12: time from a push into a shared remote until a running assistant's work tree has the change, with change notices vs the fetch schedule.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { startIdle, waitFor } from '../lib/daemons.js';
import type { BenchContext, Figure } from '../lib/figure.js';
import { ARBOR_DEFAULT_RULE, arbor, firstSync, git, makeRepo } from '../lib/fixtures.js';
import { makeRow } from '../lib/rows.js';
import { sized } from '../lib/scale.js';

const ARRIVAL_TIMEOUT_MS = 60_000;
/** The fallback the notices replace, made short so the figure ends: a fetch every N s (the default is 15 min). */
const schedule = (seconds: number): string => `*/${seconds} * * * * *`;

/** One round: B commits a file and syncs it to origin; ms until A's work tree has it (NaN when not seen). */
async function round(ctx: BenchContext, a: string, b: string, tag: string): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < ctx.scale.noticesPushes; i++) {
    const rel = `pushed-${tag}-${i}.txt`;
    writeFileSync(join(b, rel), `${tag} ${i}\n`);
    const r = await arbor(b, ['sync'], { env: ctx.env, timeoutMs: 120_000 });
    if (r.code !== 0) throw new Error(`git arbor sync in B failed: ${r.stderr.trim().slice(-300)}`);
    const t0 = performance.now();
    const t1 = await waitFor(async () => (await git(a, ['ls-files', rel], { env: ctx.env })).stdout.toString().trim() === rel, { timeoutMs: ARRIVAL_TIMEOUT_MS, everyMs: 20 });
    out.push(t1 === undefined ? Number.NaN : t1 - t0);
    ctx.log(`figure 12: ${tag} push ${i + 1}: ${t1 === undefined ? 'not seen' : `${Math.round(t1 - t0)} ms`}`);
    await sleep(300 + ((i * 37) % 300)); // spaced: A's own push of the merge is done
  }
  return out;
}

/** Figure 12. */
export const noticesFigure: Figure = {
  id: 12,
  slug: 'notices',
  title: 'Change notices: push into a shared local remote → the assistant\'s work tree has it',
  needs: ['git'],
  describeScale: (mode) =>
    `${sized(mode, (x) => x.noticesPushes, 'pushes')} with notices (fetch schedule once a year), as many with notices off and the fetch schedule every ${sized(mode, (x) => x.noticesFetchSeconds, 's')}`,
  run: async (ctx) => {
    const a = join(ctx.tmp, 'A');
    const b = join(ctx.tmp, 'B');
    const bare = join(ctx.tmp, 'hub.git');
    await makeRepo({ env: ctx.env, dir: a, tool: 'arbor', largefiles: ARBOR_DEFAULT_RULE, bare });
    await firstSync('arbor', a, ctx.env);
    await git(ctx.tmp, ['clone', '-q', bare, b], { env: ctx.env });
    await arbor(b, ['init', 'B'], { env: ctx.env });
    await arbor(b, ['sync'], { env: ctx.env, timeoutMs: 120_000 });
    await git(a, ['config', 'arbor.assistant.content', 'false'], { env: ctx.env });
    const samples: Record<'notices' | 'schedule', number[]> = { notices: [], schedule: [] };
    for (const mode of ['notices', 'schedule'] as const) {
      await git(a, ['config', 'arbor.assistant.notify', mode === 'notices' ? 'true' : 'false'], { env: ctx.env });
      await git(a, ['config', 'arbor.assistant.fetch', mode === 'notices' ? '0 0 1 1 *' : schedule(ctx.scale.noticesFetchSeconds)], { env: ctx.env });
      ctx.log(`figure 12: ${mode}`);
      const h = await startIdle(ctx.daemons, 'arbor', a);
      try {
        samples[mode] = await round(ctx, a, b, mode);
      } finally {
        await ctx.daemons.stop(h);
      }
    }
    const lost = samples.notices.filter((x) => !Number.isFinite(x)).length;
    ctx.rows.push(
      makeRow({
        measure: 'push → work tree (ms)',
        unit: 'ms',
        arbor: samples.notices,
        anchor: samples.schedule,
        anchorName: `fetch schedule every ${ctx.scale.noticesFetchSeconds} s (notify off)`,
        note: `git-annex's assistant hears only ssh remotes (its remote daemon), so it has no column for a local remote${lost ? `; ${lost} push(es) not seen within ${ARRIVAL_TIMEOUT_MS / 1000} s` : ''}`,
      }),
    );
  },
};
