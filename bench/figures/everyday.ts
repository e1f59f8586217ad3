// Figure 10: everyday commands on one file (whereis, info, status, copy --to, drop --from, get, add): arbor vs git-annex vs the start-up floor, with git process counts.

import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext, Figure } from '../lib/figure.js';
import { ARBOR_BIN } from '../lib/env.js';
import { run, type RunResult } from '../lib/exec.js';
import { ANNEX_EVERYTHING, arbor, annex, git, makeRepo, tool, writeBigFile } from '../lib/fixtures.js';
import { contenders, makeRow } from '../lib/rows.js';
import { sized } from '../lib/scale.js';

/** The file sizes measured: one big enough that the copy shows, one that is all overhead. */
const SIZES = [
  { label: '20 MB', bytes: 20_000_000 },
  { label: '1 KB', bytes: 1_000 },
] as const;

type Who = 'arbor' | 'annex';

/** One command as each tool spells it (git-annex quietly, so output costs the same). */
function spell(t: Who, args: readonly string[]): readonly string[] {
  return t === 'annex' && args[0] !== 'info' && args[0] !== 'status' ? [args[0] ?? '', '-q', ...args.slice(1)] : args;
}

async function runTool(ctx: BenchContext, t: Who, cwd: string, args: readonly string[]): Promise<RunResult> {
  const o = { env: ctx.env, timeoutMs: 300_000 };
  return t === 'arbor' ? arbor(cwd, spell(t, args), o) : annex(cwd, spell(t, args), o);
}

/** Runs a command, failing the figure when it fails (every measured step must have done its work). */
async function timed(ctx: BenchContext, t: Who, cwd: string, args: readonly string[]): Promise<number> {
  const r = await runTool(ctx, t, cwd, args);
  if (r.code !== 0) throw new Error(`${t === 'arbor' ? 'git arbor' : 'git annex'} ${args.join(' ')} exited ${r.code}: ${(r.stderr || r.stdout).trim().slice(-300)}`);
  return r.ms / 1000;
}

/** The floor of any command: Node's own start plus one git, run one after the other. */
async function floor(ctx: BenchContext, cwd: string): Promise<number> {
  const n = await run(process.execPath, ['-e', '0'], { cwd, env: ctx.env });
  const g = await run('git', ['rev-parse', '--git-dir'], { cwd, env: ctx.env });
  return (n.ms + g.ms) / 1000;
}

const hasStrace = (): boolean => spawnSync('strace', ['-V'], { stdio: 'ignore' }).status === 0;

/** The git processes a command starts (successful execs of git, counted with strace); NaN on failure. */
async function gitExecs(ctx: BenchContext, t: Who, cwd: string, args: readonly string[]): Promise<number> {
  const trace = join(ctx.tmp, 'strace.out');
  const argv = t === 'arbor' ? [process.execPath, ARBOR_BIN, ...spell(t, args)] : ['git', 'annex', ...spell(t, args)];
  const r = await run('strace', ['-f', '-qq', '-e', 'trace=execve', '-o', trace, ...argv], { cwd, env: ctx.env });
  if (r.code !== 0) return Number.NaN;
  const lines = readFileSync(trace, 'utf8').split('\n').filter((l) => /execve\("[^"]*\/git", /.test(l) && / = 0$/.test(l));
  rmSync(trace, { force: true });
  // git-annex is started as `git annex …`: that first git is the user's, not the command's work.
  return lines.length - (t === 'annex' ? 1 : 0);
}

/** Figure 10. */
export const everydayFigure: Figure = {
  id: 10,
  slug: 'everyday',
  title: 'Everyday commands on one file: arbor vs git-annex vs the start-up floor',
  needs: ['git', 'git-annex'],
  describeScale: (mode) => `one file of ${SIZES.map((s) => s.label).join(' and of ')}, ${sized(mode, (x) => x.everydayRuns, 'runs')} each (medians); a local bare remote initialised by git-annex; floor = node -e 0 + git rev-parse`,
  run: async (ctx) => {
    const who = contenders(ctx);
    const RUNS = ctx.scale.everydayRuns;
    const tools = (['arbor', 'annex'] as const).filter((t) => who[t]);
    const src = join(ctx.tmp, 'src');
    await makeRepo({ env: ctx.env, dir: src, tool: 'annex', largefiles: ANNEX_EVERYTHING });
    const bare = join(ctx.tmp, 'remote.git');
    await git(ctx.tmp, ['init', '-q', '--bare', bare], { env: ctx.env });
    await tool('annex', bare, ['init', '-q', 'remote'], { env: ctx.env });
    await git(src, ['remote', 'add', 'r', bare], { env: ctx.env });
    await git(src, ['config', 'remote.r.annex-uuid', (await git(bare, ['config', 'annex.uuid'], { env: ctx.env })).stdout.trim()], { env: ctx.env });
    for (const s of SIZES) {
      writeBigFile(join(src, `f-${s.bytes}.bin`), s.bytes);
      await tool('annex', src, ['add', '-q', `f-${s.bytes}.bin`], { env: ctx.env });
    }
    await git(src, ['commit', '-q', '-m', 'files'], { env: ctx.env });
    // strace slows each command it traces several times over: the quick run leaves the counts to the full one.
    const counts = ctx.scale.everydayCounts && hasStrace();
    const notes = [...who.notes, ...(counts ? [] : [ctx.scale.everydayCounts ? 'git process counts skipped: strace is not installed' : 'git process counts: in the full run only (strace slows each command it traces several times over)'])];
    const floors: number[] = [];
    const execNote = async (args: readonly string[], before?: () => Promise<void>): Promise<string> => {
      if (!counts) return '';
      const n: Partial<Record<Who, number>> = {};
      for (const t of tools) {
        await before?.();
        n[t] = await gitExecs(ctx, t, src, args);
      }
      return `git processes: ${tools.map((t) => `${t === 'arbor' ? 'arbor' : 'git-annex'} ${n[t]}`).join(', ')}`;
    };

    // Repository-wide commands.
    for (const cmd of [['info'], ['status']] as const) {
      const samples: Record<Who, number[]> = { arbor: [], annex: [] };
      const anchor: number[] = [];
      for (let r = 0; r < RUNS; r++) {
        for (const t of r % 2 === 0 ? tools : [...tools].reverse()) samples[t].push(await timed(ctx, t, src, cmd));
        anchor.push(await floor(ctx, src));
      }
      floors.push(...anchor);
      ctx.rows.push(makeRow({ measure: `${cmd.join(' ')} (s)`, unit: 's', ...(who.arbor ? { arbor: samples.arbor } : {}), ...(who.annex ? { annex: samples.annex } : {}), anchor, anchorName: 'node -e 0 + git rev-parse', note: await execNote(cmd) }));
    }

    // One-file commands, per size. Each round leaves the file as it found it: present here, absent from the remote.
    for (const s of SIZES) {
      const file = `f-${s.bytes}.bin`;
      const samples: Record<string, Record<Who, number[]>> = {};
      const put = (name: string, t: Who, v: number): void => {
        samples[name] ??= { arbor: [], annex: [] };
        samples[name][t].push(v);
      };
      const anchor: number[] = [];
      for (let r = 0; r < RUNS; r++) {
        for (const t of r % 2 === 0 ? tools : [...tools].reverse()) {
          ctx.log(`figure 10: ${s.label}, run ${r + 1}, ${t}`);
          put('whereis', t, await timed(ctx, t, src, ['whereis', file]));
          put('copy --to', t, await timed(ctx, t, src, ['copy', '--to', 'r', file]));
          await tool('annex', src, ['drop', '-q', file], { env: ctx.env });
          put('get', t, await timed(ctx, t, src, ['get', file]));
          put('drop --from', t, await timed(ctx, t, src, ['drop', '--from', 'r', file]));
          const added = `add-${t}-${r}-${s.bytes}.bin`;
          writeBigFile(join(src, added), s.bytes);
          put('add', t, await timed(ctx, t, src, ['add', added]));
        }
        anchor.push(await floor(ctx, src));
      }
      floors.push(...anchor);
      const roundTrip = async (): Promise<void> => {
        await tool('annex', src, ['copy', '-q', '--to', 'r', file], { env: ctx.env });
        await tool('annex', src, ['drop', '-q', file], { env: ctx.env });
      };
      const toRemoteAgain = async (): Promise<void> => {
        await tool('annex', src, ['copy', '-q', '--to', 'r', file], { env: ctx.env });
      };
      const getBack = async (): Promise<void> => {
        await tool('annex', src, ['get', '-q', file], { env: ctx.env });
      };
      const addNote = async (): Promise<string> => {
        if (!counts) return '';
        const n: Partial<Record<Who, number>> = {};
        for (const t of tools) {
          const added = `count-${t}-${s.bytes}.bin`;
          writeBigFile(join(src, added), s.bytes);
          n[t] = await gitExecs(ctx, t, src, ['add', added]);
        }
        return `git processes: ${tools.map((t) => `${t === 'arbor' ? 'arbor' : 'git-annex'} ${n[t]}`).join(', ')}`;
      };
      const notesFor: Record<string, string> = {
        whereis: await execNote(['whereis', file]),
        'copy --to': await execNote(['copy', '--to', 'r', file], async () => {
          await tool('annex', src, ['drop', '-q', '--from', 'r', file], { env: ctx.env });
        }),
        'drop --from': await execNote(['drop', '--from', 'r', file], toRemoteAgain),
        get: await execNote(['get', file], async () => {
          await getBack();
          await roundTrip();
        }),
        add: await addNote(),
      };
      if (counts) await getBack();
      for (const name of ['whereis', 'copy --to', 'get', 'drop --from', 'add']) {
        const x = samples[name];
        if (!x) continue;
        ctx.rows.push(makeRow({ measure: `${name} of one ${s.label} file (s)`, unit: 's', ...(who.arbor ? { arbor: x.arbor } : {}), ...(who.annex ? { annex: x.annex } : {}), anchor, anchorName: 'node -e 0 + git rev-parse', note: notesFor[name] ?? '' }));
      }
    }
    if (notes.length > 0) ctx.rows.push(makeRow({ measure: 'start-up floor (s)', unit: 's', anchor: floors, anchorName: 'node -e 0 + git rev-parse', note: notes.join('; ') }));
  },
};
