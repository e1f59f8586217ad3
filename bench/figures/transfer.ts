// Figure 5: transfer: `git arbor copy --to` vs `git annex copy --to` of one big file to a local bare remote, vs `cp`.

import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext, Figure } from '../lib/figure.js';
import { ok } from '../lib/exec.js';
import { ANNEX_EVERYTHING, arbor, annex, git, makeRepo, tool, writeBigFile } from '../lib/fixtures.js';
import { contenders, makeRow, mbps, mib } from '../lib/rows.js';
import { sized } from '../lib/scale.js';

/** A fresh bare remote, initialised by git-annex and known to the source by name and uuid (so neither tool pays for first contact). */
async function freshRemote(ctx: BenchContext, src: string, name: string): Promise<string> {
  const bare = join(ctx.tmp, `${name}.git`);
  await git(ctx.tmp, ['init', '-q', '--bare', bare], { env: ctx.env });
  await tool('annex', bare, ['init', '-q', name], { env: ctx.env });
  const uuid = (await git(bare, ['config', 'annex.uuid'], { env: ctx.env })).stdout.trim();
  await git(src, ['remote', 'add', name, bare], { env: ctx.env });
  await git(src, ['config', `remote.${name}.annex-uuid`, uuid], { env: ctx.env });
  return bare;
}

async function dropRemote(ctx: BenchContext, src: string, name: string, bare: string): Promise<void> {
  await git(src, ['remote', 'remove', name], { env: ctx.env }).catch(() => undefined);
  rmSync(bare, { recursive: true, force: true });
}

/** The object's path inside a bare remote (hashdirlower layout), found by looking for the key's directory. */
function remoteHasObject(bare: string, hashDirLower: string, key: string, bytes: number): boolean {
  const p = join(bare, 'annex', 'objects', hashDirLower, key, key);
  return existsSync(p) && statSync(p).size === bytes;
}

/**
 * Writes back every dirty page before a timed copy (untimed), so no contender's fsync waits for
 * the writeback of the previous contender's gigabyte: each starts from the same clean page cache.
 */
async function settleDisk(ctx: BenchContext): Promise<void> {
  await ok('sync', [], { cwd: ctx.tmp, env: ctx.env });
}

/** Figure 5. */
export const transferFigure: Figure = {
  id: 5,
  slug: 'transfer',
  title: 'Transfer: copy --to a local bare remote vs cp',
  needs: ['git', 'git-annex'],
  describeScale: (mode) =>
    `${sized(mode, (x) => x.transferMiB, 'MiB')} file × ${sized(mode, (x) => x.transferRuns, 'runs')}; source added by git-annex (locked); fresh git-annex-initialised bare remote per run; warm page cache`,
  run: async (ctx) => {
    const who = contenders(ctx);
    const tools = (['arbor', 'annex'] as const).filter((t) => who[t]);
    const bytes = ctx.scale.transferMiB * 2 ** 20;
    const src = join(ctx.tmp, 'src');
    await makeRepo({ env: ctx.env, dir: src, tool: 'annex', largefiles: ANNEX_EVERYTHING });
    ctx.log(`figure 5: writing a ${ctx.scale.transferMiB} MiB file`);
    writeBigFile(join(src, 'big.bin'), bytes);
    await tool('annex', src, ['add', '-q', 'big.bin'], { env: ctx.env, timeoutMs: 900_000 });
    await git(src, ['commit', '-q', '-m', 'big'], { env: ctx.env });
    const key = (await tool('annex', src, ['find', '--format=${key}\\n', 'big.bin'], { env: ctx.env })).stdout.trim();
    const lower = (await tool('annex', src, ['examinekey', '--format=${hashdirlower}', key], { env: ctx.env })).stdout.trim();
    const object = (await tool('annex', src, ['contentlocation', key], { env: ctx.env })).stdout.trim();
    const objectPath = join(src, object);
    const s = { arbor: [] as number[], annex: [] as number[], cp: [] as number[], cpSync: [] as number[], sha: [] as number[] };
    const rss = { arbor: [] as number[], annex: [] as number[] };
    const notes = [...who.notes];
    for (let r = 0; r < ctx.scale.transferRuns; r++) {
      const order = r % 2 === 0 ? tools : [...tools].reverse();
      for (const t of order) {
        ctx.log(`figure 5: run ${r + 1}, ${t} copy --to`);
        const name = `r${r}${t}`;
        const bare = await freshRemote(ctx, src, name);
        const o = { env: ctx.env, measureRss: true, timeoutMs: 900_000 };
        await settleDisk(ctx);
        const res = t === 'arbor' ? await arbor(src, ['copy', '--to', name, 'big.bin'], o) : await annex(src, ['copy', '-q', '--to', name, 'big.bin'], o);
        if (res.code !== 0 || !remoteHasObject(bare, lower, key, bytes)) {
          notes.push(`${t} run ${r + 1}: copy failed (${res.code}): ${(res.stderr || res.stdout).trim().slice(-200)}`);
          s[t].push(Number.NaN);
          rss[t].push(Number.NaN);
        } else {
          s[t].push(res.ms / 1000);
          rss[t].push(res.maxRssKiB !== undefined ? mib(res.maxRssKiB) : Number.NaN);
        }
        await dropRemote(ctx, src, name, bare);
      }
      if (ctx.tools.cp.ok) {
        const dest = join(ctx.tmp, `cp-${r}`);
        mkdirSync(dest);
        await settleDisk(ctx);
        const c = await ok('cp', [objectPath, join(dest, key)], { cwd: ctx.tmp, env: ctx.env });
        s.cp.push(c.ms / 1000);
        rmSync(dest, { recursive: true, force: true });
        // The durable floor: arbor fsyncs the received object before recording it (annex/verified-copy.ts).
        mkdirSync(dest);
        await settleDisk(ctx);
        const cs = await ok('sh', ['-c', 'cp "$1" "$2" && sync "$2"', 'sh', objectPath, join(dest, key)], { cwd: ctx.tmp, env: ctx.env });
        s.cpSync.push(cs.ms / 1000);
        rmSync(dest, { recursive: true, force: true });
      }
      if (ctx.tools.openssl.ok) {
        // The verification floor: every transfer hashes what it receives, so no verified copy beats this.
        const h = await ok('openssl', ['dgst', '-sha256', objectPath], { cwd: ctx.tmp, env: ctx.env });
        s.sha.push(h.ms / 1000);
      }
    }
    if (!ctx.tools.cp.ok) notes.push(`cp anchor skipped: ${ctx.tools.cp.missing ?? ''}`);
    const tput = (xs: number[]): number[] => xs.map((x) => mbps(bytes, x * 1000));
    const cp = ctx.tools.cp.ok ? { anchor: s.cp, anchorName: 'cp' } : {};
    ctx.rows.push(
      makeRow({ measure: `copy --to one ${ctx.scale.transferMiB} MiB file (s)`, unit: 's', ...(who.arbor ? { arbor: s.arbor } : {}), ...(who.annex ? { annex: s.annex } : {}), ...cp }),
      makeRow({
        measure: 'transfer throughput (MB/s)',
        unit: 'MB/s',
        higherIsBetter: true,
        ...(who.arbor ? { arbor: tput(s.arbor) } : {}),
        ...(who.annex ? { annex: tput(s.annex) } : {}),
        ...(ctx.tools.cp.ok ? { anchor: tput(s.cp), anchorName: 'cp' } : {}),
        note: `target (issue 5): arbor ≥ 80% of cp; git-annex verifies the copy's checksum; cp writes the file only${notes.length ? `; ${notes.join('; ')}` : ''}`,
      }),
      makeRow({
        measure: 'transfer throughput vs a durable copy (MB/s)',
        unit: 'MB/s',
        higherIsBetter: true,
        ...(who.arbor ? { arbor: tput(s.arbor) } : {}),
        ...(who.annex ? { annex: tput(s.annex) } : {}),
        ...(ctx.tools.cp.ok ? { anchor: tput(s.cpSync), anchorName: 'cp && sync FILE' } : {}),
        note: 'the same copies against cp followed by an fsync of the copy (coreutils sync FILE): arbor fsyncs what it receives',
      }),
      ...(ctx.tools.openssl.ok
        ? [
            makeRow({
              measure: 'transfer throughput vs hashing alone (MB/s)',
              unit: 'MB/s',
              higherIsBetter: true,
              ...(who.arbor ? { arbor: tput(s.arbor) } : {}),
              ...(who.annex ? { annex: tput(s.annex) } : {}),
              anchor: tput(s.sha),
              anchorName: 'openssl dgst -sha256',
              note: 'a transfer is verified (SHA-256 of the bytes received), so hashing the file once is a floor for any verified copy; compare it with cp above: 80% of cp is out of reach whenever it is above this rate',
            }),
          ]
        : []),
      makeRow({ measure: 'copy, peak RSS (MiB)', unit: 'MiB', ...(who.arbor ? { arbor: rss.arbor } : {}), ...(who.annex ? { annex: rss.annex } : {}) }),
    );
  },
};
