// Figure 13: the status page: first load from the daemon (over HTTP, and rendered in headless Chromium), and the daemon's idle CPU with the page open.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { startIdle } from '../lib/daemons.js';
import type { BenchContext, Figure } from '../lib/figure.js';
import { ARBOR_DEFAULT_RULE, firstSync, makeRepo } from '../lib/fixtures.js';
import { treeCpuSeconds } from '../lib/proc.js';
import { makeRow } from '../lib/rows.js';
import { sized } from '../lib/scale.js';

const CHROMIUM = '/usr/bin/chromium';

/** ms to fetch the page, its two files and the first report, one after another (what a first visit asks). */
async function httpLoad(url: string): Promise<number> {
  const t0 = performance.now();
  for (const path of ['', 'style.css', 'app.js', 'api/status']) {
    const res = await fetch(url + path);
    if (!res.ok) throw new Error(`GET ${path || '/'}: ${res.status}`);
    await res.arrayBuffer();
  }
  return performance.now() - t0;
}

/** The paths a first visit asks for, one row each in the breakdown. */
const PATHS = ['', 'style.css', 'app.js', 'api/status', 'api/map.svg'] as const;

/** ms per request of each path (where a first load's time goes). */
async function perPath(url: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const path of PATHS) {
    const t0 = performance.now();
    const res = await fetch(url + path);
    if (!res.ok) throw new Error(`GET ${path || '/'}: ${res.status}`);
    await res.arrayBuffer();
    out.set(path, performance.now() - t0);
  }
  return out;
}

/** Daemon CPU (percent of one core) over `ms`. */
async function cpuShare(pid: number, ms: number): Promise<number> {
  const c0 = await treeCpuSeconds(pid);
  const t0 = performance.now();
  await sleep(ms);
  return ((await treeCpuSeconds(pid)) - c0) / ((performance.now() - t0) / 1000) * 100;
}

/** Figure 13. */
export const webFigure: Figure = {
  id: 13,
  slug: 'web',
  title: 'Status page: first load from the daemon; the daemon\'s idle CPU with the page open',
  needs: ['git', 'arbor'],
  describeScale: (mode) =>
    `${sized(mode, (x) => x.webLoads, 'loads')}; idle CPU over ${sized(mode, (x) => x.webIdleMs / 1000, 's')} without and with the page open${existsSync(CHROMIUM) ? '' : ' (no chromium: HTTP only)'}`,
  run: async (ctx: BenchContext) => {
    const loads = ctx.scale.webLoads;
    const idleMs = ctx.scale.webIdleMs;
    const a = join(ctx.tmp, 'A');
    await makeRepo({ env: ctx.env, dir: a, tool: 'arbor', largefiles: ARBOR_DEFAULT_RULE, bare: join(ctx.tmp, 'hub.git') });
    await firstSync('arbor', a, ctx.env);
    const h = await startIdle(ctx.daemons, 'arbor', a);
    try {
      const file = join(a, '.git', 'annex', 'arbor', 'web.json');
      for (let i = 0; i < 100 && !existsSync(file); i++) await sleep(50);
      const url = (JSON.parse(readFileSync(file, 'utf8')) as { url: string }).url;
      const http: number[] = [];
      for (let i = 0; i < loads; i++) http.push(await httpLoad(url));
      ctx.rows.push(makeRow({ measure: 'first load over HTTP: page, CSS, script, report (ms)', unit: 'ms', arbor: http.slice(1), note: 'the four requests a first visit makes, one after another; the first load (cold caches) left out' }));
      const parts = new Map<string, number[]>(PATHS.map((p) => [p, []]));
      for (let i = 0; i < loads; i++) for (const [p, ms] of await perPath(url)) parts.get(p)?.push(ms);
      for (const [p, ms] of parts) ctx.rows.push(makeRow({ measure: `  of which GET ${p || '(page)'} (ms)`, unit: 'ms', arbor: ms.slice(1), note: p === 'api/map.svg' ? 'fetched by the page after its first report, and again only when the map changes' : 'where the first load\'s time goes' }));
      const idle = await cpuShare(h.pid, idleMs);
      if (!existsSync(CHROMIUM)) {
        ctx.rows.push(makeRow({ measure: 'daemon idle CPU (% of a core)', unit: '%', arbor: [idle], note: `no ${CHROMIUM}: the page-open column is missing` }));
        return;
      }
      const { default: puppeteer } = await import('puppeteer-core');
      const browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
      try {
        const page = await browser.newPage();
        const rendered: number[] = [];
        for (let i = 0; i < loads; i++) {
          await page.goto('about:blank');
          await page.goto(url);
          await page.waitForFunction('performance.getEntriesByName("arbor:first-render").length > 0');
          // From the navigation's start to the first report on screen, as the page's own clock marks it.
          rendered.push((await page.evaluate('performance.getEntriesByName("arbor:first-render")[0].startTime')) as number);
        }
        ctx.rows.push(makeRow({ measure: 'Chromium: navigation → verdict rendered (ms)', unit: 'ms', arbor: rendered.slice(1), note: 'headless Chromium on the same machine, first navigation left out' }));
        const open = await cpuShare(h.pid, idleMs);
        ctx.rows.push(makeRow({ measure: 'daemon idle CPU (% of a core)', unit: '%', arbor: [open], anchor: [idle], anchorName: 'no page open', note: 'the page keeps its event stream open; idle, the daemon sends only a keep-alive comment every 30 s' }));
      } finally {
        await browser.close();
      }
    } finally {
      await ctx.daemons.stop(h);
    }
  },
};
