// Figure 4: ingest: `git arbor add` vs `git annex add` of one big file and of many small files; hashing throughput vs `openssl dgst -sha256`.

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext, Figure } from '../lib/figure.js';
import { ANNEX_EVERYTHING, arbor, annex, fsyncFile, git, makeRepo, writeBigFile, writeSmallFiles } from '../lib/fixtures.js';
import { ok, run, type RunResult } from '../lib/exec.js';
import { contenders, makeRow, mbps, mib } from '../lib/rows.js';
import { sized } from '../lib/scale.js';

type Contender = 'arbor' | 'annex';

/** A fresh repository of the tool with `* annex.largefiles=anything` (everything annexed, as git-annex does by default). */
async function freshRepo(ctx: BenchContext, t: Contender | 'git', name: string): Promise<string> {
  const dir = join(ctx.tmp, name);
  await makeRepo({ env: ctx.env, dir, tool: t, ...(t !== 'git' ? { largefiles: ANNEX_EVERYTHING } : {}) });
  return dir;
}

async function add(ctx: BenchContext, t: Contender, dir: string, path: string): Promise<RunResult> {
  const o = { env: ctx.env, measureRss: true, timeoutMs: 1_800_000 };
  const r = t === 'arbor' ? await arbor(dir, ['add', path], o) : await annex(dir, ['add', '-q', path], o);
  if (r.code !== 0) throw new Error(`${t} add ${path} exited with ${r.code}: ${(r.stderr || r.stdout).trim().slice(-300)}`);
  return r;
}

/** Checks that add annexed the big file (a symlink or pointer to a SHA256E key was staged). */
async function checkAnnexed(ctx: BenchContext, dir: string, path: string): Promise<void> {
  const r = await ok('git', ['cat-file', '-p', `:${path}`], { cwd: dir, env: ctx.env });
  if (!/SHA256E-s\d+--/.test(r.stdout.slice(0, 400))) throw new Error(`${path} was not annexed (staged as a plain git blob)`);
}

/** Figure 4. */
export const ingestFigure: Figure = {
  id: 4,
  slug: 'ingest',
  title: 'Ingest: add of a big file and of many small files; hashing vs openssl',
  needs: ['git'],
  describeScale: (mode, s) =>
    `${sized(mode, (x) => x.ingestBigMiB, 'MiB')} file × ${sized(mode, (x) => x.ingestBigRuns, 'runs')}; ${sized(mode, (x) => x.ingestSmallFiles, 'small files')} × ${s.ingestSmallRuns} runs; fresh repository per run, everything annexed (annex.largefiles=anything), warm page cache`,
  run: async (ctx) => {
    const who = contenders(ctx);
    const tools = (['arbor', 'annex'] as const).filter((t) => who[t]);
    const bytes = ctx.scale.ingestBigMiB * 2 ** 20;
    const master = join(ctx.tmp, 'master.bin');
    ctx.log(`figure 4: writing a ${ctx.scale.ingestBigMiB} MiB file`);
    writeBigFile(master, bytes);
    const big = { arbor: [] as number[], annex: [] as number[], openssl: [] as number[] };
    const bigRss = { arbor: [] as number[], annex: [] as number[] };
    const notes = [...who.notes];
    if (!ctx.tools.openssl.ok) notes.push(`openssl anchor skipped: ${ctx.tools.openssl.missing ?? ''}`);
    if (!ctx.tools.time.ok) notes.push(`peak RSS skipped: ${ctx.tools.time.missing ?? ''}`);
    for (let r = 0; r < ctx.scale.ingestBigRuns; r++) {
      const order = r % 2 === 0 ? tools : [...tools].reverse();
      for (const t of order) {
        ctx.log(`figure 4: big file, run ${r + 1}, ${t}`);
        const dir = await freshRepo(ctx, t, `${t}-big-${r}`);
        await ok('cp', ['--reflink=auto', master, join(dir, 'big.bin')], { cwd: dir, env: ctx.env });
        fsyncFile(join(dir, 'big.bin'));
        const res = await add(ctx, t, dir, 'big.bin');
        await checkAnnexed(ctx, dir, 'big.bin');
        big[t].push(res.ms / 1000);
        bigRss[t].push(res.maxRssKiB !== undefined ? mib(res.maxRssKiB) : Number.NaN);
        rmSync(dir, { recursive: true, force: true });
      }
      if (ctx.tools.openssl.ok) {
        const o = await ok('openssl', ['dgst', '-sha256', master], { cwd: ctx.tmp, env: ctx.env });
        big.openssl.push(o.ms / 1000);
      }
    }
    const tput = (xs: number[]): number[] => xs.map((s) => mbps(bytes, s * 1000));
    const ssl = ctx.tools.openssl.ok ? { anchor: big.openssl, anchorName: 'openssl dgst -sha256' } : {};
    const sslT = ctx.tools.openssl.ok ? { anchor: tput(big.openssl), anchorName: 'openssl dgst -sha256' } : {};
    ctx.rows.push(
      makeRow({ measure: `add one ${ctx.scale.ingestBigMiB} MiB file (s)`, unit: 's', ...(who.arbor ? { arbor: big.arbor } : {}), ...(who.annex ? { annex: big.annex } : {}), ...ssl }),
      makeRow({
        measure: 'ingest throughput, hash + store (MB/s)',
        unit: 'MB/s',
        higherIsBetter: true,
        ...(who.arbor ? { arbor: tput(big.arbor) } : {}),
        ...(who.annex ? { annex: tput(big.annex) } : {}),
        ...sslT,
        note: 'target (issue 5): arbor ≥ 90% of openssl, i.e. arbor/anchor ≥ 0.9×',
      }),
      makeRow({ measure: 'add big file, peak RSS (MiB)', unit: 'MiB', ...(who.arbor ? { arbor: bigRss.arbor } : {}), ...(who.annex ? { annex: bigRss.annex } : {}), note: 'GNU time %M: the largest process' }),
    );
    rmSync(master, { force: true });

    const small = { arbor: [] as number[], annex: [] as number[], git: [] as number[] };
    const smallRss = { arbor: [] as number[], annex: [] as number[] };
    const n = ctx.scale.ingestSmallFiles;
    for (let r = 0; r < ctx.scale.ingestSmallRuns; r++) {
      const order = r % 2 === 0 ? tools : [...tools].reverse();
      for (const t of order) {
        ctx.log(`figure 4: ${n} small files, run ${r + 1}, ${t}`);
        const dir = await freshRepo(ctx, t, `${t}-small-${r}`);
        writeSmallFiles({ root: join(dir, 'small'), count: n, salt: `${t}${r}` });
        const res = await add(ctx, t, dir, 'small');
        await checkAnnexed(ctx, dir, 'small/t0/m0/f000000.txt');
        small[t].push(res.ms / 1000);
        smallRss[t].push(res.maxRssKiB !== undefined ? mib(res.maxRssKiB) : Number.NaN);
        rmSync(dir, { recursive: true, force: true });
      }
      ctx.log(`figure 4: ${n} small files, run ${r + 1}, plain git add`);
      const dir = await freshRepo(ctx, 'git', `git-small-${r}`);
      writeSmallFiles({ root: join(dir, 'small'), count: n, salt: `git${r}` });
      const g = await run('git', ['add', 'small'], { cwd: dir, env: ctx.env });
      if (g.code === 0) small.git.push(g.ms / 1000);
      await git(dir, ['status', '--porcelain'], { env: ctx.env });
      rmSync(dir, { recursive: true, force: true });
    }
    ctx.rows.push(
      makeRow({
        measure: `add ${n.toLocaleString('en-US')} small files (s)`,
        unit: 's',
        ...(who.arbor ? { arbor: small.arbor } : {}),
        ...(who.annex ? { annex: small.annex } : {}),
        anchor: small.git,
        anchorName: 'git add (plain git)',
        ...(notes.length ? { note: notes.join('; ') } : {}),
      }),
      makeRow({ measure: 'add small files, peak RSS (MiB)', unit: 'MiB', ...(who.arbor ? { arbor: smallRss.arbor } : {}), ...(who.annex ? { annex: smallRss.annex } : {}) }),
    );
  },
};
