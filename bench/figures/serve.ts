// Figure 11: content over ssh through `git arbor serve` vs through git-annex-shell vs a raw ssh pipe (issue 13's transfer target).

import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Figure } from '../lib/figure.js';
import { ok } from '../lib/exec.js';
import { ARBOR_BIN } from '../lib/env.js';
import { annex, arbor, git, tool } from '../lib/fixtures.js';
import { makeRow, mbps } from '../lib/rows.js';
import { sized } from '../lib/scale.js';
import { sshServerAndSource } from '../lib/ssh-server.js';
// The same real sshd the ssh tests use (own host key, client key and client config).
import { startSshd } from '../../test/helpers/sshd.js';

/** Figure 11. */
export const serveFigure: Figure = {
  id: 11,
  slug: 'serve',
  title: 'Transfer over ssh: arbor through git arbor serve vs git-annex through git-annex-shell vs a raw ssh pipe',
  needs: ['git', 'git-annex', 'sshd', 'arbor'],
  describeScale: (mode) => `${sized(mode, (x) => x.sshMiB, 'MiB')} file × ${sized(mode, (x) => x.sshRuns, 'runs')}; one bare repository behind sshd on 127.0.0.1`,
  run: async (ctx) => {
    const mib = ctx.scale.sshMiB;
    const bytes = mib * 2 ** 20;
    const sshd = await startSshd(ctx.env.HOME ? { home: ctx.env.HOME } : {});
    try {
      const { src } = await sshServerAndSource(ctx, sshd, bytes);
      // arbor reaches serve through annex-shell (the login has no git-arbor on its PATH); git-annex keeps git-annex-shell.
      const wrapper = join(ctx.tmp, 'arbor-serve-shell');
      writeFileSync(wrapper, `#!/bin/sh\nexec "${process.execPath}" "${ARBOR_BIN}" serve "$@"\n`);
      chmodSync(wrapper, 0o755);
      const object = join(src, (await tool('annex', src, ['contentlocation', (await tool('annex', src, ['find', '--format=${key}', 'big.bin'], { env: ctx.env })).stdout.trim()], { env: ctx.env })).stdout.trim());
      const send = { serve: [] as number[], annex: [] as number[], pipe: [] as number[] };
      const get = { serve: [] as number[], annex: [] as number[] };
      const o = { env: ctx.env, timeoutMs: 900_000 };
      const dropThere = (): Promise<unknown> => annex(src, ['drop', '-q', '--force', '--from', 's', 'big.bin'], o);
      const dropHere = (): Promise<unknown> => annex(src, ['drop', '-q', '--force', 'big.bin'], o);
      for (let r = 0; r < ctx.scale.sshRuns; r++) {
        const order = r % 2 === 0 ? (['serve', 'annex'] as const) : (['annex', 'serve'] as const);
        for (const t of order) {
          ctx.log(`figure 11: run ${r + 1}, ${t} copy --to and get over ssh`);
          if (t === 'serve') await git(src, ['config', 'remote.s.annex-shell', wrapper], o);
          else await git(src, ['config', '--unset', 'remote.s.annex-shell'], o).catch(() => undefined);
          const up = t === 'serve' ? await arbor(src, ['copy', '--to', 's', 'big.bin'], o) : await annex(src, ['copy', '-q', '--to', 's', 'big.bin'], o);
          send[t].push(up.code === 0 ? up.ms / 1000 : Number.NaN);
          await dropHere();
          const down = t === 'serve' ? await arbor(src, ['get', 'big.bin'], o) : await annex(src, ['get', '-q', 'big.bin'], o);
          get[t].push(down.code === 0 ? down.ms / 1000 : Number.NaN);
          // The next transfer starts from a remote without the file (after the very last, nothing follows).
          if (r < ctx.scale.sshRuns - 1 || t !== order[order.length - 1]) await dropThere();
        }
        const sink = join(ctx.tmp, 'pipe.out');
        const pipe = await ok('sh', ['-c', `${sshd.sshCommand} -T ${sshd.host} "cat > ${sink}" < "$1"`, 'sh', object], { cwd: ctx.tmp, env: ctx.env });
        send.pipe.push(pipe.ms / 1000);
        rmSync(sink, { force: true });
      }
      const tput = (xs: number[]): number[] => xs.map((x) => mbps(bytes, x * 1000));
      const note = 'arbor column: git arbor through git arbor serve; git-annex column: git annex through git-annex-shell; both verify on the receiving side';
      ctx.rows.push(
        makeRow({ measure: `copy --to through serve, ${mib} MiB (MB/s)`, unit: 'MB/s', higherIsBetter: true, arbor: tput(send.serve), annex: tput(send.annex), anchor: tput(send.pipe), anchorName: 'ssh host "cat > file"', note }),
        makeRow({ measure: `get through serve, ${mib} MiB (MB/s)`, unit: 'MB/s', higherIsBetter: true, arbor: tput(get.serve), annex: tput(get.annex), anchor: tput(send.pipe), anchorName: 'ssh host "cat > file"', note }),
      );
    } finally {
      await sshd.stop();
    }
  },
};
