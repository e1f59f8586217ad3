// The setting of the ssh figures: a git-annex bare repository behind a real sshd on 127.0.0.1, and a source repository holding one big annexed file with that server as remote `s`.

import { join } from 'node:path';
import type { BenchContext } from './figure.js';
import { ANNEX_EVERYTHING, git, makeRepo, tool, writeBigFile } from './fixtures.js';
// The same real sshd the ssh tests use (own host key, client key and client config).
import type { TestSshd } from '../../test/helpers/sshd.js';

/** Makes `server.git` (git-annex initialised) and `src` (big.bin of `bytes`, annexed, remote `s` reached through `sshd`). */
export async function sshServerAndSource(ctx: BenchContext, sshd: TestSshd, bytes: number): Promise<{ server: string; src: string }> {
  const server = join(ctx.tmp, 'server.git');
  await git(ctx.tmp, ['init', '-q', '--bare', server], { env: ctx.env });
  await tool('annex', server, ['init', '-q', 'server'], { env: ctx.env });
  const src = join(ctx.tmp, 'src');
  await makeRepo({ env: ctx.env, dir: src, tool: 'annex', largefiles: ANNEX_EVERYTHING });
  writeBigFile(join(src, 'big.bin'), bytes);
  await tool('annex', src, ['add', '-q', 'big.bin'], { env: ctx.env, timeoutMs: 900_000 });
  await git(src, ['commit', '-q', '-m', 'big'], { env: ctx.env });
  await git(src, ['remote', 'add', 's', `${sshd.host}:${server}`], { env: ctx.env });
  await git(src, ['config', 'core.sshCommand', sshd.sshCommand], { env: ctx.env });
  await git(src, ['config', 'remote.s.annex-ssh-options', `-F ${sshd.clientConfig}`], { env: ctx.env });
  await git(src, ['config', 'remote.s.annex-uuid', (await git(server, ['config', 'annex.uuid'], { env: ctx.env })).stdout.trim()], { env: ctx.env });
  return { server, src };
}
