// Figure 15: a small change to a large file sent over ssh: arbor's delta through `git arbor serve` vs rsync over the same sshd vs a whole transfer (arbor's own, and git-annex's through git-annex-shell); bytes counted on the ssh connection, and wall time. Also the chunking and signing throughput against openssl's SHA-256 of the same file.

import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomFillSync } from 'node:crypto';
import { join } from 'node:path';
import type { Figure } from '../lib/figure.js';
import { ok, run } from '../lib/exec.js';
import { ARBOR_BIN } from '../lib/env.js';
import { annex, arbor, git, makeRepo, tool, writeRandomFile } from '../lib/fixtures.js';
import { makeRow, mbps } from '../lib/rows.js';
import { sized } from '../lib/scale.js';
import { signatureOfFile } from '../../src/annex/delta/signature.js';
// The same real sshd the ssh tests use (own host key, client key and client config).
import { startSshd } from '../../test/helpers/sshd.js';

/** An ssh client that counts the bytes it carries each way and appends "<up> <down>" to a log when it ends. */
const COUNTING_SSH = `import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
const [log, ...args] = process.argv.slice(2);
const c = spawn('/usr/bin/ssh', args, { stdio: ['pipe', 'pipe', 'inherit'] });
let up = 0; let down = 0;
process.stdin.on('data', (b) => { up += b.length; });
c.stdout.on('data', (b) => { down += b.length; });
process.stdin.pipe(c.stdin);
c.stdout.pipe(process.stdout);
c.stdin.on('error', () => {});
c.on('close', (code) => { appendFileSync(log, up + ' ' + down + '\\n'); process.exit(code ?? 1); });
`;

/** Figure 15. */
export const deltaSshFigure: Figure = {
  id: 15,
  slug: 'delta-ssh',
  title: 'A small change to a large file over ssh: arbor delta (serve) vs rsync vs whole transfers (arbor, git-annex); bytes on the ssh connection and time',
  needs: ['git', 'git-annex', 'sshd', 'arbor', 'openssl'],
  describeScale: (mode) => `${sized(mode, (x) => x.deltaMiB, 'MiB')} random file, ${sized(mode, (x) => x.deltaSshRuns, 'run(s)')} per change; 1 MiB overwritten in the middle, 4 KiB inserted near the start; one bare repository behind sshd on 127.0.0.1`,
  run: async (ctx) => {
    const mib = ctx.scale.deltaMiB;
    const size = mib * 2 ** 20;
    const runs = ctx.scale.deltaSshRuns;
    const o = { env: ctx.env, timeoutMs: 900_000 };
    // git-arbor on the server's PATH, so the client finds serve (and may use deltas).
    const shims = join(ctx.tmp, 'bin');
    mkdirSync(shims, { recursive: true });
    writeFileSync(join(shims, 'git-arbor'), `#!/bin/sh\nexec "${process.execPath}" "${ARBOR_BIN}" "$@"\n`);
    chmodSync(join(shims, 'git-arbor'), 0o755);
    const path = `${shims}:${ctx.env.PATH ?? ''}`;
    const sshd = await startSshd({ keyOptions: `environment="PATH=${path}",environment="HOME=${ctx.env.HOME ?? ''}"` });
    try {
      const wireLog = join(ctx.tmp, 'wire.log');
      writeFileSync(wireLog, '');
      const counter = join(ctx.tmp, 'count-ssh.mjs');
      writeFileSync(counter, COUNTING_SSH);
      const ssh = `${process.execPath} ${counter} ${wireLog} -F ${sshd.clientConfig}`;
      const wire = (): number => {
        let total = 0;
        for (const line of readFileSync(wireLog, 'utf8').split('\n')) {
          const [up, down] = line.split(' ').map(Number);
          if (up !== undefined && down !== undefined && Number.isFinite(up + down)) total += up + down;
        }
        writeFileSync(wireLog, '');
        return total;
      };
      const bare = async (name: string): Promise<string> => {
        const dir = join(ctx.tmp, name);
        await git(ctx.tmp, ['init', '-q', '--bare', dir], o);
        await tool('annex', dir, ['init', '-q', name], o);
        return dir;
      };
      // `delta`: holds the old version (arbor sends a delta); `whole`: never holds anything (arbor sends it whole); `annexed`: the same for git-annex.
      const servers = { delta: await bare('delta.git'), whole: await bare('whole.git'), annexed: await bare('annexed.git') };
      const src = join(ctx.tmp, 'src');
      await makeRepo({ env: ctx.env, dir: src, tool: 'arbor', largefiles: 'anything' });
      await git(src, ['config', 'core.sshCommand', ssh], o);
      for (const [name, dir] of Object.entries(servers)) {
        await git(src, ['remote', 'add', name, `${sshd.host}:${dir}`], o);
        await git(src, ['config', `remote.${name}.annex-uuid`, (await git(dir, ['config', 'annex.uuid'], o)).stdout.trim()], o);
      }
      const file = join(src, 'big.bin');
      writeRandomFile(file, size);
      await tool('arbor', src, ['add', '--unlocked', 'big.bin'], o);
      await git(src, ['commit', '-q', '-m', 'first version'], o);
      await tool('arbor', src, ['copy', '--to', 'delta', 'big.bin'], o);
      // rsync's destination: the old version, as a plain file on the server side (--ignore-times: always the checksum path, never the size-and-mtime skip).
      const rsyncDir = join(ctx.tmp, 'rsync-dest');
      mkdirSync(rsyncDir);
      const first = join(ctx.tmp, 'first.bin');
      copyFileSync(file, first);
      const changes: Array<{ what: string; change: (b: Buffer) => Buffer }> = [
        { what: '1 MiB overwritten in the middle', change: (b) => (randomFillSync(b, Math.floor(size / 2), Math.min(2 ** 20, size - Math.floor(size / 2))), b) },
        { what: '4 KiB inserted near the start', change: (b) => Buffer.concat([b.subarray(0, 10_000), randomFillSync(Buffer.alloc(4096)), b.subarray(10_000)]) },
      ];
      // git-annex runs \`ssh\` from PATH (it does not take core.sshCommand): a counting \`ssh\` first on its PATH.
      const sshShim = join(ctx.tmp, 'ssh-bin');
      mkdirSync(sshShim);
      writeFileSync(join(sshShim, 'ssh'), `#!/bin/sh\nexec "${process.execPath}" "${counter}" "${wireLog}" "$@"\n`);
      chmodSync(join(sshShim, 'ssh'), 0o755);
      await git(src, ['config', 'remote.annexed.annex-ssh-options', `-F ${sshd.clientConfig}`], o);
      const annexEnv = { ...ctx.env, PATH: `${sshShim}:${ctx.env.PATH ?? ''}` };
      for (const [ci, c] of changes.entries()) {
        // Each change starts from the first version, which the delta server and rsync's destination hold.
        writeFileSync(file, c.change(Buffer.from(readFileSync(first))));
        await tool('arbor', src, ['add', '--unlocked', 'big.bin'], o);
        await git(src, ['commit', '-q', '-m', c.what], o);
        const bytes = { delta: [] as number[], rsync: [] as number[], whole: [] as number[], annex: [] as number[] };
        const secs = { delta: [] as number[], rsync: [] as number[], whole: [] as number[], annex: [] as number[] };
        for (let r = 0; r < runs; r++) {
          ctx.log(`figure 15: ${c.what}, run ${r + 1}`);
          wire();
          const d = await arbor(src, ['copy', '--to', 'delta', 'big.bin'], o);
          secs.delta.push(d.code === 0 ? d.ms / 1000 : Number.NaN);
          bytes.delta.push(wire() / 1e6);
          copyFileSync(first, join(rsyncDir, 'big.bin'));
          const rs = await run('rsync', ['-e', ssh, '--ignore-times', '--no-whole-file', join(src, 'big.bin'), `${sshd.host}:${rsyncDir}/big.bin`], { cwd: ctx.tmp, env: ctx.env, timeoutMs: 900_000 });
          secs.rsync.push(rs.code === 0 ? rs.ms / 1000 : Number.NaN);
          bytes.rsync.push(wire() / 1e6);
          const w = await arbor(src, ['copy', '--to', 'whole', 'big.bin'], o);
          secs.whole.push(w.code === 0 ? w.ms / 1000 : Number.NaN);
          bytes.whole.push(wire() / 1e6);
          const a = await annex(src, ['copy', '-q', '-c', 'annex.sshcaching=false', '--to', 'annexed', 'big.bin'], { ...o, env: annexEnv });
          if (a.code !== 0) ctx.log(`figure 15: git annex copy failed: ${(a.stderr || a.stdout).trim().split('\n').slice(-3).join(' | ')}`);
          secs.annex.push(a.code === 0 ? a.ms / 1000 : Number.NaN);
          bytes.annex.push(wire() / 1e6);
          // Undo, so the next run (and the next change) sends the same again; nothing follows the very last.
          if (r < runs - 1 || ci < changes.length - 1) for (const s of ['delta', 'whole', 'annexed']) await tool('arbor', src, ['drop', '--force', '--from', s, 'big.bin'], o);
          wire();
        }
        const note = 'arbor: copy --to through git arbor serve holding the old version (delta); anchor: rsync over the same sshd onto the old version; bytes: both directions of the ssh client, counted by a wrapper (plain-text channel bytes)';
        ctx.rows.push(
          makeRow({ measure: `ssh bytes for ${c.what} of ${mib} MiB (MB)`, unit: 'MB', arbor: bytes.delta, annex: bytes.annex, anchor: bytes.rsync, anchorName: 'rsync', note }),
          makeRow({ measure: `time for ${c.what} of ${mib} MiB over ssh (s)`, unit: 's', arbor: secs.delta, annex: secs.annex, anchor: secs.rsync, anchorName: 'rsync', note: 'git-annex: copy --to through git-annex-shell (always whole)' }),
          makeRow({ measure: `delta vs arbor's whole transfer, ${c.what} (s)`, unit: 's', arbor: secs.delta, anchor: secs.whole, anchorName: 'arbor whole transfer', note: `whole transfer moved ${bytes.whole.map((b) => b.toFixed(1)).join(', ')} MB on the connection` }),
        );
      }
      // Chunking + signing throughput (what each end computes for a delta) against a plain SHA-256 of the same file.
      const sign: number[] = [];
      const sha: number[] = [];
      for (let r = 0; r < Math.max(runs, 2); r++) {
        const t0 = performance.now();
        await signatureOfFile(file);
        sign.push(mbps(size, performance.now() - t0));
        const h = await ok('openssl', ['dgst', '-sha256', file], { cwd: ctx.tmp, env: ctx.env });
        sha.push(mbps(size, h.ms));
      }
      ctx.rows.push(makeRow({ measure: `FastCDC chunking + SHA-256 per chunk, ${mib} MiB (MB/s)`, unit: 'MB/s', higherIsBetter: true, arbor: sign, anchor: sha, anchorName: 'openssl dgst -sha256', note: 'in-process, file in the page cache; openssl includes its process start' }));
    } finally {
      await sshd.stop();
    }
  },
};
