// Figure 14: bytes that carry a small change to a large file: an arbor delta (patch payload) vs a whole transfer (what git-annex and arbor without a delta move).

import { randomFillSync } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Figure } from '../lib/figure.js';
import { arbor, git, makeRepo, writeRandomFile } from '../lib/fixtures.js';
import { makeRow } from '../lib/rows.js';
import { sized } from '../lib/scale.js';

/** Figure 14. */
export const deltaFigure: Figure = {
  id: 14,
  slug: 'delta',
  title: 'Bytes for a small change to a large file: arbor delta (patch payload) vs whole transfer (git-annex, arbor without a basis)',
  needs: ['git', 'arbor'],
  describeScale: (mode) => `${sized(mode, (x) => x.deltaMiB, 'MiB')} random file; 1 MiB overwritten in the middle, 4 KiB inserted near the start`,
  run: async (ctx) => {
    const mib = ctx.scale.deltaMiB;
    const size = mib * 2 ** 20;
    const dir = join(ctx.tmp, 'repo');
    const o = { env: ctx.env, timeoutMs: 900_000 };
    await makeRepo({ env: ctx.env, dir, tool: 'arbor', largefiles: 'anything' });
    const file = join(dir, 'big.bin');
    const commit = async (): Promise<void> => {
      await arbor(dir, ['add', '--unlocked', 'big.bin'], o);
      await git(dir, ['commit', '-q', '-m', 'version'], o);
    };
    writeRandomFile(file, size);
    await commit();
    const changes: Array<{ what: string; change: (b: Buffer) => Buffer }> = [
      { what: '1 MiB overwritten in the middle', change: (b) => (randomFillSync(b, Math.floor(size / 2), Math.min(2 ** 20, size - Math.floor(size / 2))), b) },
      { what: '4 KiB inserted near the start', change: (b) => Buffer.concat([b.subarray(0, 10_000), randomFillSync(Buffer.alloc(4096)), b.subarray(10_000)]) },
    ];
    for (const c of changes) {
      ctx.log(`figure 14: ${c.what}`);
      const next = c.change(Buffer.from(readFileSync(file)));
      writeFileSync(file, next);
      await commit();
      const patch = join(ctx.tmp, 'change.patch');
      const w = await arbor(dir, ['delta', 'write', '--to', 'big.bin', patch], o);
      const patchBytes = w.code === 0 ? statSync(patch).size : Number.NaN;
      ctx.rows.push(
        makeRow({
          measure: `bytes for ${c.what} of ${mib} MiB (MB)`,
          unit: 'MB',
          arbor: [patchBytes / 1e6],
          annex: [next.length / 1e6],
          anchor: [next.length / 1e6],
          anchorName: 'arbor whole transfer',
          note: 'arbor: the delta patch file (the sender frames of the ssh delta exchange); git-annex always moves the whole object; ratios under 1: arbor moves less',
        }),
      );
    }
  },
};
