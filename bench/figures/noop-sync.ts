// Figure 7: a no-op `sync --content` with many annexed files already in place, arbor vs git-annex in the same repository.

import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext, Figure } from '../lib/figure.js';
import { ANNEX_EVERYTHING, arbor, annex, git, makeRepo, tool, writeSmallFiles } from '../lib/fixtures.js';
import type { RunResult } from '../lib/exec.js';
import { contenders, makeRow, mib } from '../lib/rows.js';
import { sized } from '../lib/scale.js';

/**
 * A git-annex repository with N annexed small files and a bare remote that has every object and
 * is recorded as having it. The remote's objects are copied and recorded with git-annex plumbing
 * (examinekey paths, setpresentkey --batch) because `git annex copy` would take minutes for 10,000 files.
 */
async function setUp(ctx: BenchContext): Promise<string> {
  const c = { env: ctx.env, timeoutMs: 1_800_000 };
  const dir = join(ctx.tmp, 'w');
  const bare = join(ctx.tmp, 'remote.git');
  await makeRepo({ env: ctx.env, dir, tool: 'annex', largefiles: ANNEX_EVERYTHING, bare });
  await tool('annex', bare, ['init', '-q', 'origin'], c);
  writeSmallFiles({ root: join(dir, 'files'), count: ctx.scale.noopFiles, salt: 'noop' });
  ctx.log(`figure 7: git annex add of ${ctx.scale.noopFiles} files (setup)`);
  await tool('annex', dir, ['add', '-q', 'files'], c);
  await git(dir, ['commit', '-q', '-m', 'files'], c);
  await tool('annex', dir, ['sync', '-q'], c);
  const uuid = (await git(bare, ['config', 'annex.uuid'], c)).stdout.trim();
  const listing = await tool('annex', dir, ['find', '--format=${key} ${hashdirlower} ${hashdirmixed}\\n', 'files'], c);
  const lines: string[] = [];
  for (const line of listing.stdout.split('\n').filter(Boolean)) {
    const [key, lower, mixed] = line.split(' ') as [string, string, string];
    const dest = join(bare, 'annex', 'objects', lower, key);
    mkdirSync(dest, { recursive: true });
    copyFileSync(join(dir, '.git', 'annex', 'objects', mixed, key, key), join(dest, key));
    lines.push(`${key} ${uuid} 1`);
  }
  await tool('annex', dir, ['setpresentkey', '--batch'], { ...c, input: `${lines.join('\n')}\n` });
  await tool('annex', dir, ['sync', '-q'], c);
  const missing = (await tool('annex', dir, ['find', '--not', '--in', 'origin', 'files'], c)).stdout.trim();
  if (missing) throw new Error(`setup: origin lacks ${missing.split('\n').length} files`);
  return dir;
}

/** "content: 0 got, 0 sent" from arbor's summary; undefined when not printed. */
function arborTransfers(r: RunResult): number | undefined {
  const m = /content:\s*(\d+) got,\s*(\d+) sent/.exec(r.stdout);
  return m ? Number(m[1]) + Number(m[2]) : undefined;
}

/** Figure 7. */
export const noopSyncFigure: Figure = {
  id: 7,
  slug: 'noop-sync',
  title: 'No-op sync --content with every annexed file already in place',
  needs: ['git', 'git-annex'],
  describeScale: (mode, s) =>
    `${sized(mode, (x) => x.noopFiles, 'annexed files')}, the same repository for both tools (made by git-annex), a local bare remote holding every object; one warm-up each, then ${s.noopRuns} runs alternating`,
  run: async (ctx) => {
    const who = contenders(ctx);
    const dir = await setUp(ctx);
    const o = { env: ctx.env, measureRss: true, timeoutMs: 1_800_000 };
    const once = async (t: 'arbor' | 'annex'): Promise<RunResult> => {
      const r = t === 'arbor' ? await arbor(dir, ['sync', '--content'], o) : await annex(dir, ['sync', '-q', '--content'], o);
      if (r.code !== 0) throw new Error(`${t} sync --content exited with ${r.code}: ${(r.stderr || r.stdout).trim().slice(-300)}`);
      return r;
    };
    const tools = (['arbor', 'annex'] as const).filter((t) => who[t]);
    const first = { arbor: [] as number[], annex: [] as number[] };
    const notes = [...who.notes];
    for (const t of tools) {
      ctx.log(`figure 7: warm-up ${t}`);
      const r = await once(t);
      first[t].push(r.ms / 1000);
      if (t === 'arbor' && arborTransfers(r)) notes.push(`arbor's warm-up transferred ${arborTransfers(r)} file(s)`);
    }
    const s = { arbor: [] as number[], annex: [] as number[] };
    const rss = { arbor: [] as number[], annex: [] as number[] };
    for (let i = 0; i < ctx.scale.noopRuns; i++) {
      const order = i % 2 === 0 ? tools : [...tools].reverse();
      for (const t of order) {
        ctx.log(`figure 7: run ${i + 1}, ${t}`);
        const r = await once(t);
        s[t].push(r.ms / 1000);
        rss[t].push(r.maxRssKiB !== undefined ? mib(r.maxRssKiB) : Number.NaN);
        if (t === 'arbor' && arborTransfers(r)) notes.push(`arbor run ${i + 1} transferred ${arborTransfers(r)} file(s)`);
      }
    }
    const pick = (x: { arbor: number[]; annex: number[] }): { arbor?: number[]; annex?: number[] } => ({
      ...(who.arbor ? { arbor: x.arbor } : {}),
      ...(who.annex ? { annex: x.annex } : {}),
    });
    ctx.rows.push(
      makeRow({ measure: 'no-op sync --content (s)', unit: 's', ...pick(s), anchorName: 'target < 1 s', ...(notes.length ? { note: notes.join('; ') } : {}) }),
      makeRow({ measure: 'first sync --content after setup (s)', unit: 's', ...pick(first), note: 'one run each; may include one-time work (caches, merges)' }),
      makeRow({ measure: 'no-op sync --content, peak RSS (MiB)', unit: 'MiB', ...pick(rss) }),
    );
  },
};
