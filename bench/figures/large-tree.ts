// Figure 3: a large committed work tree: assistant start → startup scan done and idle, and the daemon's idle resident memory.

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { annexScanned, arborIdle, arborSnapshot, waitFor, type DaemonHandle } from '../lib/daemons.js';
import type { BenchContext, Figure } from '../lib/figure.js';
import { ARBOR_DEFAULT_RULE, git, makeRepo, writeSmallFiles } from '../lib/fixtures.js';
import { treeMemory, waitCpuQuiet } from '../lib/proc.js';
import { contenders, makeRow, mib } from '../lib/rows.js';
import { sized } from '../lib/scale.js';

/** What one assistant start measured. */
interface StartMeasure {
  readonly scanS: number;
  readonly idleS: number;
  readonly rssMiB: number;
  readonly hwmMiB: number;
  readonly treeRssMiB: number;
  readonly processes: number;
  /** Set when the timeout cut the measurement short: times are then lower bounds, memory is mid-scan. */
  readonly incomplete?: string;
  readonly backend?: string;
}

/**
 * A work tree of N small files committed with plain git before the tool's init (so nothing is
 * re-hashed: git's index already knows every file), with no remote, so the figure is the scan alone.
 * The files are written more than a second before `git add` so no index entry is "racily clean".
 */
async function makeTree(ctx: BenchContext, t: 'arbor' | 'annex'): Promise<string> {
  const dir = join(ctx.tmp, `${t}-tree`);
  await makeRepo({
    env: ctx.env,
    dir,
    tool: t,
    largefiles: ARBOR_DEFAULT_RULE,
    populate: async (d) => {
      writeSmallFiles({ root: join(d, 'tree'), count: ctx.scale.treeFiles, salt: t });
      await sleep(1500);
      await git(d, ['add', '-A'], { env: ctx.env, timeoutMs: 900_000 });
      await git(d, ['commit', '-q', '-m', 'tree'], { env: ctx.env, timeoutMs: 900_000 });
    },
  });
  await git(dir, ['update-index', '--refresh', '-q'], { env: ctx.env }).catch(() => undefined);
  return dir;
}

/**
 * Starts the assistant, times scan done and idle, reads memory once idle, stops it. When the
 * scan or the settling does not finish within the figure's timeout, the timeout is recorded as a
 * lower bound (`incomplete`), with memory read at that moment.
 */
async function measureStart(ctx: BenchContext, t: 'arbor' | 'annex', dir: string): Promise<StartMeasure> {
  const timeoutMs = ctx.scale.treeTimeoutMs;
  const h: DaemonHandle = t === 'arbor' ? await ctx.daemons.startArbor(dir) : await ctx.daemons.startAnnex(dir);
  try {
    const scanned = await waitFor(() => (t === 'arbor' ? arborIdle(h) : annexScanned(h)), { timeoutMs, everyMs: 50 });
    // Idle: the process tree under 2% of a core for 2 s; the time is when that quiet period began.
    const left = timeoutMs - (performance.now() - h.t0);
    const quiet = scanned === undefined || left <= 0 ? undefined : await waitCpuQuiet(h.pid, { windowMs: 2000, maxShare: 0.02, timeoutMs: left });
    await ctx.daemons.track(h);
    if (quiet !== undefined) await sleep(1000);
    const mem = await treeMemory(h.pid);
    const backend = t === 'arbor' ? (await arborSnapshot(dir))?.watcher?.backend : undefined;
    const limit = timeoutMs / 1000;
    return {
      scanS: scanned === undefined ? limit : (scanned - h.t0) / 1000,
      idleS: quiet === undefined ? limit : (Math.max(quiet, scanned ?? quiet) - h.t0) / 1000,
      rssMiB: mib(mem.main?.rssKiB ?? Number.NaN),
      hwmMiB: mib(mem.main?.hwmKiB ?? Number.NaN),
      treeRssMiB: mib(mem.totalRssKiB),
      processes: mem.all.length,
      ...(scanned === undefined ? { incomplete: `scan not done after ${limit} s` } : quiet === undefined ? { incomplete: `not idle after ${limit} s` } : {}),
      ...(backend ? { backend } : {}),
    };
  } finally {
    await ctx.daemons.stop(h);
  }
}

/** Figure 3. */
export const largeTreeFigure: Figure = {
  id: 3,
  slug: 'large-tree',
  title: 'Large tree: assistant start → startup scan done, idle; idle memory',
  needs: ['git'],
  describeScale: (mode, s) =>
    `${sized(mode, (x) => x.treeFiles, 'files')} committed (10×100 dirs of 100 small text files at full size), no remote; git-annex started once, arbor with watcher=${s.treeWatchers.join(', then restarted with ')}${mode === 'quick' ? ' (quick; full: parcel, auto, chokidar)' : ''}`,
  run: async (ctx) => {
    const who = contenders(ctx, { assistant: true });
    const notes = [...who.notes];
    let annex: StartMeasure | undefined;
    if (who.annex) {
      ctx.log('figure 3: building the git-annex tree');
      const dir = await makeTree(ctx, 'annex');
      ctx.log('figure 3: git annex assistant');
      try {
        annex = await measureStart(ctx, 'annex', dir);
      } catch (err) {
        notes.push(err instanceof Error ? err.message : String(err));
      }
      rmSync(dir, { recursive: true, force: true });
    }
    const variants: Array<{ name: string; watcher: string; m?: StartMeasure }> = [];
    if (who.arbor) {
      ctx.log('figure 3: building the arbor tree');
      const dir = await makeTree(ctx, 'arbor');
      for (const watcher of ctx.scale.treeWatchers) {
        ctx.log(`figure 3: arbor assistant, watcher=${watcher}`);
        await git(dir, ['config', 'arbor.assistant.watcher', watcher], { env: ctx.env });
        try {
          variants.push({ name: watcher, watcher, m: await measureStart(ctx, 'arbor', dir) });
        } catch (err) {
          variants.push({ name: watcher, watcher });
          notes.push(`arbor watcher=${watcher}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    }
    if (annex?.incomplete) notes.push(`git-annex: ${annex.incomplete}: its times are lower bounds (ratios upper bounds), its memory was read mid-scan`);
    for (const v of variants) if (v.m?.incomplete) notes.push(`arbor watcher=${v.name}: ${v.m.incomplete} (lower bound)`);
    const pick = (m: StartMeasure | undefined, f: (x: StartMeasure) => number): number[] => (m ? [f(m)] : [Number.NaN]);
    const rowsFor = (label: string, unit: string, f: (x: StartMeasure) => number, note?: string): void => {
      const list = variants.length ? variants : [{ name: '—', watcher: '', m: undefined }];
      for (const v of list) {
        ctx.rows.push(
          makeRow({
            measure: `${label}${v.name !== '—' ? `, arbor watcher=${v.name}${v.m?.backend && v.m.backend !== v.name ? ` (${v.m.backend})` : ''}` : ''}`,
            unit,
            ...(who.arbor ? { arbor: pick(v.m, f) } : {}),
            ...(who.annex ? { annex: pick(annex, f) } : {}),
            ...(note ? { note } : {}),
          }),
        );
      }
    };
    rowsFor('start → scan done (s)', 's', (m) => m.scanS, 'arbor: status scanning:false, pendingChanges 0 (status written every 250 ms); git-annex: "(started...)" in daemon.log');
    rowsFor('start → idle (s)', 's', (m) => m.idleS, 'process tree under 2% CPU for 2 s');
    rowsFor('idle RSS, daemon process (MiB)', 'MiB', (m) => m.rssMiB);
    rowsFor('peak RSS during start, daemon process (MiB)', 'MiB', (m) => m.hwmMiB, 'VmHWM');
    rowsFor('idle RSS, whole process tree (MiB)', 'MiB', (m) => m.treeRssMiB, `processes: arbor ${variants.map((v) => v.m?.processes ?? '?').join('/')}, git-annex ${annex?.processes ?? '?'}`);
    if (notes.length) ctx.rows.push(makeRow({ measure: 'notes', unit: '', note: notes.join('; ') }));
  },
};
