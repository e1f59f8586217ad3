// Figure 8: content over ssh: `git arbor copy --to` / `get` vs git-annex's, through the same sshd on 127.0.0.1 and the same git-annex-shell, vs a raw ssh pipe.

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Figure } from '../lib/figure.js';
import { ok } from '../lib/exec.js';
import { annex, arbor, tool } from '../lib/fixtures.js';
import { contenders, makeRow, mbps } from '../lib/rows.js';
import { sized } from '../lib/scale.js';
import { sshServerAndSource } from '../lib/ssh-server.js';
// The same real sshd the ssh tests use (own host key, client key and client config).
import { startSshd } from '../../test/helpers/sshd.js';

/** Figure 8. */
export const sshTransferFigure: Figure = {
  id: 8,
  slug: 'ssh',
  title: 'Transfer over ssh: copy --to and get through git-annex-shell vs a raw ssh pipe',
  needs: ['git', 'git-annex', 'sshd'],
  describeScale: (mode) => `${sized(mode, (x) => x.sshMiB, 'MiB')} file × ${sized(mode, (x) => x.sshRuns, 'runs')}; a git-annex-initialised bare repository behind sshd on 127.0.0.1`,
  run: async (ctx) => {
    const who = contenders(ctx);
    const tools = (['arbor', 'annex'] as const).filter((t) => who[t]);
    const mib = ctx.scale.sshMiB;
    const bytes = mib * 2 ** 20;
    const sshd = await startSshd(ctx.env.HOME ? { home: ctx.env.HOME } : {});
    try {
      const { src } = await sshServerAndSource(ctx, sshd, bytes);
      const object = join(src, (await tool('annex', src, ['contentlocation', (await tool('annex', src, ['find', '--format=${key}', 'big.bin'], { env: ctx.env })).stdout.trim()], { env: ctx.env })).stdout.trim());
      const send = { arbor: [] as number[], annex: [] as number[], pipe: [] as number[] };
      const get = { arbor: [] as number[], annex: [] as number[] };
      const o = { env: ctx.env, timeoutMs: 900_000 };
      const dropThere = (): Promise<unknown> => annex(src, ['drop', '-q', '--force', '--from', 's', 'big.bin'], o);
      const dropHere = (): Promise<unknown> => annex(src, ['drop', '-q', '--force', 'big.bin'], o);
      for (let r = 0; r < ctx.scale.sshRuns; r++) {
        const order = r % 2 === 0 ? tools : [...tools].reverse();
        for (const t of order) {
          ctx.log(`figure 8: run ${r + 1}, ${t} copy --to and get over ssh`);
          const up = t === 'arbor' ? await arbor(src, ['copy', '--to', 's', 'big.bin'], o) : await annex(src, ['copy', '-q', '--to', 's', 'big.bin'], o);
          send[t].push(up.code === 0 ? up.ms / 1000 : Number.NaN);
          await dropHere();
          const down = t === 'arbor' ? await arbor(src, ['get', 'big.bin'], o) : await annex(src, ['get', '-q', 'big.bin'], o);
          get[t].push(down.code === 0 ? down.ms / 1000 : Number.NaN);
          // The next transfer starts from a remote without the file (after the very last, nothing follows).
          if (r < ctx.scale.sshRuns - 1 || t !== order[order.length - 1]) await dropThere();
        }
        // The floor: the same bytes through the same ssh, written by cat, nothing verified or logged.
        const sink = join(ctx.tmp, 'pipe.out');
        const pipe = await ok('sh', ['-c', `${sshd.sshCommand} -T ${sshd.host} "cat > ${sink}" < "$1"`, 'sh', object], { cwd: ctx.tmp, env: ctx.env });
        send.pipe.push(pipe.ms / 1000);
        rmSync(sink, { force: true });
      }
      const tput = (xs: number[]): number[] => xs.map((x) => mbps(bytes, x * 1000));
      ctx.rows.push(
        makeRow({
          measure: `copy --to over ssh, ${mib} MiB (MB/s)`,
          unit: 'MB/s',
          higherIsBetter: true,
          ...(who.arbor ? { arbor: tput(send.arbor) } : {}),
          ...(who.annex ? { annex: tput(send.annex) } : {}),
          anchor: tput(send.pipe),
          anchorName: 'ssh host "cat > file"',
          note: 'both tools talk to the same git-annex-shell p2pstdio, which verifies what it receives',
        }),
        makeRow({
          measure: `get over ssh, ${mib} MiB (MB/s)`,
          unit: 'MB/s',
          higherIsBetter: true,
          ...(who.arbor ? { arbor: tput(get.arbor) } : {}),
          ...(who.annex ? { annex: tput(get.annex) } : {}),
          note: 'the receiver verifies (SHA-256) and fsyncs before the content counts',
        }),
      );
    } finally {
      await sshd.stop();
    }
  },
};
