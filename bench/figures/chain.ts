// Figure 16: change notices through an ssh server: a write on the laptop → the ssh server → the desktop's work tree, arbor's assistants vs git-annex's (issue 13).

import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { ARBOR_BIN } from '../lib/env.js';
import { startIdle, waitFor, type DaemonHandle } from '../lib/daemons.js';
import type { BenchContext, Figure } from '../lib/figure.js';
import { ARBOR_DEFAULT_RULE, git, makeRepo, tool } from '../lib/fixtures.js';
import { waitCpuQuiet } from '../lib/proc.js';
import { contenders, makeRow } from '../lib/rows.js';
import { sized } from '../lib/scale.js';
import { quantile } from '../lib/stats.js';
// The same real sshd the ssh tests use (own host key, client key and client config).
import { startSshd, type TestSshd } from '../../test/helpers/sshd.js';

type Contender = 'arbor' | 'annex';

/** A write not in the desktop's work tree after this long is lost. */
const WRITE_TIMEOUT_MS = 60_000;
/** After this many lost writes in a row a tool's remaining writes are counted lost without waiting (keeps a broken chain from costing minutes). */
const LOST_IN_A_ROW = 2;

/** The two ends of one tool's chain. */
interface Chain {
  readonly server: string;
  readonly laptop: string;
  readonly desktop: string;
}

/** Points remote `s` of `dir` at the server through the test sshd; arbor reaches `git arbor serve` through annex-shell. */
async function connect(ctx: BenchContext, o: { dir: string; sshd: TestSshd; server: string; uuid: string; serveShell?: string }): Promise<void> {
  const c = { env: ctx.env };
  await git(o.dir, ['config', 'core.sshCommand', o.sshd.sshCommand], c);
  await git(o.dir, ['config', 'remote.s.annex-ssh-options', `-F ${o.sshd.clientConfig}`], c);
  // git-annex's remote daemon listens only to remotes whose uuid it knows.
  await git(o.dir, ['config', 'remote.s.annex-uuid', o.uuid], c);
  if (o.serveShell) await git(o.dir, ['config', 'remote.s.annex-shell', o.serveShell], c);
}

/** The tool's own sync with every remote (here: `s`), throwing on failure. */
async function sync(ctx: BenchContext, t: Contender, dir: string): Promise<void> {
  await tool(t, dir, t === 'annex' ? ['sync', '-q'] : ['sync'], { env: ctx.env, timeoutMs: 300_000 });
}

/**
 * One tool's chain: a bare server repository (git-annex initialised) behind the sshd, a laptop
 * that made the first commit and synced it there, and a desktop cloned from the server; both
 * reach it as `host:path` and both are synced before any assistant starts.
 */
async function makeChain(ctx: BenchContext, t: Contender, sshd: TestSshd, serveShell: string | undefined): Promise<Chain> {
  const c = { env: ctx.env };
  const server = join(ctx.tmp, `${t}-server.git`);
  await git(ctx.tmp, ['init', '-q', '--bare', server], c);
  await tool('annex', server, ['init', '-q', 'server'], c);
  const uuid = (await git(server, ['config', 'annex.uuid'], c)).stdout.toString().trim();
  const link = { sshd, server, uuid, ...(serveShell ? { serveShell } : {}) };
  const laptop = join(ctx.tmp, `${t}-laptop`);
  await makeRepo({ env: ctx.env, dir: laptop, tool: t, largefiles: ARBOR_DEFAULT_RULE });
  await git(laptop, ['remote', 'add', 's', `${sshd.host}:${server}`], c);
  await connect(ctx, { dir: laptop, ...link });
  await sync(ctx, t, laptop);
  const desktop = join(ctx.tmp, `${t}-desktop`);
  await git(ctx.tmp, ['clone', '-q', '--origin', 's', server, desktop], c);
  await git(desktop, ['remote', 'set-url', 's', `${sshd.host}:${server}`], c);
  await connect(ctx, { dir: desktop, ...link });
  await tool(t, desktop, t === 'annex' ? ['init', '-q', 'desktop'] : ['init', 'desktop'], c);
  await sync(ctx, t, desktop);
  await sync(ctx, t, laptop); // level: the laptop has the desktop's git-annex branch too
  return { server, laptop, desktop };
}

/** Listeners on the host: server-side processes running `notifychanges <server>` (git-annex-shell or serve; not the clients' ssh, not a shell). */
async function listeners(server: string): Promise<number> {
  let n = 0;
  for (const pid of await readdir('/proc').catch(() => [])) {
    if (!/^\d+$/.test(pid)) continue;
    const argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0');
    if (argv.includes('notifychanges') && argv.includes(server) && !/^(ssh|sh|bash|dash)$/.test(basename(argv[0] ?? ''))) n++;
  }
  return n;
}

/** Both daemons quiet (their pushes, merges and the server's git done) before the next write. */
async function settle(handles: readonly DaemonHandle[], i: number): Promise<void> {
  for (const h of handles) await waitCpuQuiet(h.pid, { windowMs: 300, maxShare: 0.05, timeoutMs: 5000 });
  await sleep(200 + ((i * 37) % 300));
}

/** N spaced writes on the laptop; ms from each write until the desktop's work tree has the file (NaN when lost). */
async function writes(ctx: BenchContext, t: Contender, chain: Chain, handles: readonly DaemonHandle[]): Promise<{ ms: number[]; skipped: number }> {
  const n = ctx.scale.chainWrites;
  const ms: number[] = [];
  let skipped = 0;
  for (let i = 0; i < n; i++) {
    if (ms.length >= LOST_IN_A_ROW && ms.slice(-LOST_IN_A_ROW).every((x) => !Number.isFinite(x))) {
      skipped = n - i;
      ms.push(...Array.from({ length: skipped }, () => Number.NaN));
      break;
    }
    const rel = `chain-${t}-${i}.txt`;
    const t0 = performance.now();
    writeFileSync(join(chain.laptop, rel), `written on the laptop ${t} ${i}\n`);
    // Polling a path costs a stat, not a git process: the measurement stays off the 2 cores it measures.
    const t1 = await waitFor(async () => existsSync(join(chain.desktop, rel)), { timeoutMs: WRITE_TIMEOUT_MS, everyMs: 10 });
    ms.push(t1 === undefined ? Number.NaN : t1 - t0);
    ctx.log(`figure 16: ${t} write ${i + 1}: ${t1 === undefined ? 'lost' : `${Math.round(t1 - t0)} ms`}`);
    await settle(handles, i);
  }
  return { ms, skipped };
}

const pct = (xs: readonly number[], q: number): number => {
  const ok = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return ok.length ? quantile(ok, q) : Number.NaN;
};

/** Figure 16. */
export const chainFigure: Figure = {
  id: 16,
  slug: 'chain',
  title: 'Change notices through an ssh server: write on the laptop → ssh server → the desktop\'s work tree (assistants)',
  needs: ['git', 'git-annex', 'sshd'],
  describeScale: (mode) =>
    `${sized(mode, (x) => x.chainWrites, 'spaced writes')} per tool; small text files (arbor's default annex.largefiles rule, so they go to git); one sshd on 127.0.0.1, a bare server repository per tool`,
  run: async (ctx) => {
    const who = contenders(ctx, { assistant: true });
    const tools = (['arbor', 'annex'] as const).filter((t) => who[t]);
    const sshd = await startSshd(ctx.env.HOME ? { home: ctx.env.HOME } : {});
    const samples: Record<Contender, number[]> = { arbor: [], annex: [] };
    const notes = [...who.notes];
    try {
      // arbor reaches serve through annex-shell (the login has no git-arbor on its PATH): content, and notices
      // as `<annex-shell> notifychanges <dir>`; git-annex keeps git-annex-shell (its remotedaemon runs notifychanges).
      const wrapper = join(ctx.tmp, 'arbor-serve-shell');
      writeFileSync(wrapper, `#!/bin/sh\nexec "${process.execPath}" "${ARBOR_BIN}" serve "$@"\n`);
      chmodSync(wrapper, 0o755);
      for (const t of tools) {
        ctx.log(`figure 16: ${t}: setting up laptop → server → desktop`);
        const handles: DaemonHandle[] = [];
        try {
          const chain = await makeChain(ctx, t, sshd, t === 'arbor' ? wrapper : undefined);
          handles.push(await startIdle(ctx.daemons, t, chain.desktop));
          handles.push(await startIdle(ctx.daemons, t, chain.laptop));
          // Their listeners (arbor's notice listener, git-annex's remotedaemon) connect once the daemon is up:
          // the first write waits until the host runs notifychanges for both (ctx.daemons.stop() records the listeners' processes too).
          const heard = await waitFor(async () => (await listeners(chain.server)) >= 2, { timeoutMs: 30_000, everyMs: 200 });
          ctx.log(`figure 16: ${t}: ${heard === undefined ? "no" : "both"} listeners on the host`);
          if (heard === undefined) notes.push(`${t}: the host did not run notifychanges for both assistants within 30 s of their start`);
          await settle(handles, 0);
          const r = await writes(ctx, t, chain, handles);
          samples[t] = r.ms;
          if (r.skipped) notes.push(`${t}: the last ${r.skipped} write(s) not attempted after ${LOST_IN_A_ROW} lost in a row`);
        } catch (err) {
          samples[t] = Array.from({ length: ctx.scale.chainWrites }, (_, i) => samples[t][i] ?? Number.NaN);
          notes.push(`${t} failed: ${err instanceof Error ? err.message : String(err)}`);
        } finally {
          for (const h of handles) await ctx.daemons.stop(h);
        }
      }
    } finally {
      await sshd.stop();
    }
    for (const t of tools) {
      const lost = samples[t].filter((x) => !Number.isFinite(x)).length;
      if (lost) notes.push(`${t}: ${lost} write(s) lost (not in the desktop's work tree within ${WRITE_TIMEOUT_MS / 1000} s)`);
    }
    notes.push(
      'chain: laptop → bare repository behind sshd on 127.0.0.1 → desktop, an assistant on each end; arbor reaches the host through `git arbor serve` (content and notifychanges), git-annex through git-annex-shell (its remotedaemon)',
      "fetch schedules at their defaults (arbor's every 15 min): only change notices carry a write within the timeout",
    );
    const has = (t: Contender): boolean => who[t] && samples[t].some(Number.isFinite);
    const at = (t: Contender, q: number): number[] | undefined => (has(t) ? [pct(samples[t], q)] : undefined);
    const both = (q: number): { arbor?: number[]; annex?: number[] } => {
      const a = at('arbor', q);
      const b = at('annex', q);
      return { ...(a ? { arbor: a } : {}), ...(b ? { annex: b } : {}) };
    };
    // The target as an anchor: a fifth of git-annex's figure (arbor / anchor ≤ 1 meets it).
    const target = (q: number): { anchor?: number[]; anchorName?: string } =>
      has('annex') ? { anchor: [pct(samples.annex, q) / 5], anchorName: 'target: git-annex ÷ 5' } : { anchorName: 'target: arbor ≤ 1/5 of git-annex' };
    ctx.rows.push(
      makeRow({ measure: 'p50 write → desktop work tree (ms)', unit: 'ms', ...both(0.5), ...target(0.5) }),
      makeRow({ measure: 'p90 write → desktop work tree (ms)', unit: 'ms', ...both(0.9), ...target(0.9) }),
      makeRow({
        measure: 'every write (ms)',
        unit: 'ms',
        ...(who.arbor ? { arbor: samples.arbor } : {}),
        ...(who.annex ? { annex: samples.annex } : {}),
        note: `${notes.join('; ')}; ratio column: writes paired in order`,
      }),
    );
  },
};
