// ssh remotes end to end: a real sshd on 127.0.0.1, real git-annex-shell on the "server", arbor's CLI on the client, git-annex as a second client.
import '../helpers/env.js';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { needsGitAnnex } from '../helpers/git-annex.js';
import { needsSshd, startSshd, type TestSshd } from '../helpers/sshd.js';
import { annex, arbor, makeArborRepo, uuidOf, gitAnnexWhereis } from '../helpers/annex-fixtures.js';
import { git, makeRepo, writeFiles } from '../helpers/repo.js';
import { runArbor } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';
import { configureFastAssistant, eventually, startAssistant, stopAssistant } from '../helpers/assistant.js';

const skip = needsGitAnnex.skip || needsSshd.skip;
const options = { skip };

let sshd: TestSshd;
before(async () => {
  if (!skip) sshd = await startSshd();
});
after(async () => {
  if (!skip) await sshd.stop();
});

const BIG = Buffer.alloc(3 << 20, 7);
const OTHER = Buffer.from('second file, sent by sync --content\n'.repeat(100));

/** Points a repository's git and git-annex at the test sshd for remote `name` (git reads core.sshCommand, git-annex annex-ssh-options). */
async function useTestSsh(dir: string, name: string, via: TestSshd = sshd): Promise<void> {
  await git(dir, 'config', 'core.sshCommand', via.sshCommand);
  await git(dir, 'config', `remote.${name}.annex-ssh-options`, `-F ${via.clientConfig}`);
}

/** A "home server": a bare repository that git-annex initialised, and an arbor client with an ssh remote to it. */
async function serverAndClient(via: TestSshd = sshd): Promise<{ server: string; serverUuid: string; client: string; parent: string }> {
  const parent = tempDir('arbor-ssh-');
  const server = await makeRepo({ bare: true, parent, name: 'server.git' });
  await annex(server, 'init', '-q', 'home server');
  const { dir: client } = await makeArborRepo({ parent, name: 'laptop', description: 'laptop', files: [{ path: 'big.bin', content: BIG, unlocked: false }] });
  await git(client, 'remote', 'add', 'server', `${via.host}:${server}`);
  await useTestSsh(client, 'server', via);
  return { server, serverUuid: await uuidOf(server), client, parent };
}

/** Every line is one of arbor's own short messages (no stack trace, no noise from ssh). */
function plainLines(stderr: string): void {
  const lines = stderr.trim().split('\n');
  assert.ok(lines.length <= 3, stderr);
  for (const l of lines) assert.match(l, /^git-arbor: /, stderr);
}

async function fsckClean(dir: string): Promise<void> {
  const r = await annex(dir, 'fsck', '--quiet');
  assert.equal(r.trim(), '');
}

test('ssh: copy --to, drop, get and drop --from a git-annex server over ssh', options, async () => {
  const { server, serverUuid, client } = await serverAndClient();
  await arbor(client, 'sync');
  assert.equal((await git(server, 'rev-parse', 'main')).trim(), (await git(client, 'rev-parse', 'main')).trim(), 'git level sync over ssh');

  await arbor(client, 'copy', '--to', 'server', 'big.bin');
  assert.equal(await git(client, 'config', 'remote.server.annex-uuid'), serverUuid, 'the server uuid learnt over ssh');
  const where = await gitAnnexWhereis(client, 'big.bin');
  assert.ok(where.get('big.bin')?.includes(serverUuid), 'the client records the server copy');
  // The server's own git-annex agrees: it holds good content and logged it.
  await fsckClean(server);
  const key = (await annex(client, 'find', '--format=${key}', 'big.bin')).trim();
  const serverWhereis = JSON.parse(await annex(server, 'whereis', '--json', '--key', key)) as { whereis: Array<{ uuid: string }> };
  assert.ok(serverWhereis.whereis.some((w) => w.uuid === serverUuid));

  // fsck --from the server checks presence over ssh and leaves a true log alone.
  await arbor(client, 'fsck', '--from', 'server', 'big.bin');
  assert.ok((await gitAnnexWhereis(client, 'big.bin')).get('big.bin')?.includes(serverUuid), 'fsck --from keeps the server copy logged');

  // Dropping here is safe now: the server's copy is locked over ssh while the local one goes.
  await arbor(client, 'drop', 'big.bin');
  assert.equal(existsSync(join(client, 'big.bin')), false, 'content gone here (dangling link)');
  await arbor(client, 'get', 'big.bin');
  assert.deepEqual(readFileSync(join(client, 'big.bin')), BIG, 'content back from the server');

  await arbor(client, 'drop', '--from', 'server', 'big.bin');
  assert.equal((await gitAnnexWhereis(client, 'big.bin')).get('big.bin')?.includes(serverUuid), false, 'the client records the drop');
  await fsckClean(server);
  const left = await annex(server, 'find', '--format=${key}\\n', '--in=here').catch(() => '');
  assert.equal(left.trim(), '', 'the server no longer has it');
});

test('ssh: the last copy is never dropped from the server; sync --content sends over ssh; git-annex clones get it', options, async () => {
  const { server, serverUuid, client, parent } = await serverAndClient();
  await arbor(client, 'copy', '--to', 'server', 'big.bin');
  await arbor(client, 'drop', 'big.bin');
  const refused = await runArbor(['drop', '--from', 'server', 'big.bin'], { cwd: client });
  assert.notEqual(refused.code, 0, 'the only copy stays');
  assert.match(refused.stderr, /cop(y|ies)/i);
  plainLines(refused.stderr);
  await arbor(client, 'get', 'big.bin');

  writeFiles(client, { 'other.txt': OTHER });
  await arbor(client, 'add', 'other.txt');
  await git(client, 'commit', '-q', '-m', 'other');
  await arbor(client, 'sync', '--content');
  const where = await gitAnnexWhereis(client, 'other.txt');
  assert.ok(where.get('other.txt')?.includes(serverUuid), 'sync --content sent it over ssh');

  // A git-annex client of the same server, over the same ssh, gets what arbor sent.
  const desktop = join(parent, 'desktop');
  await git(parent, '-c', `core.sshCommand=${sshd.sshCommand}`, 'clone', '-q', `${sshd.host}:${server}`, desktop);
  await useTestSsh(desktop, 'origin');
  await annex(desktop, 'init', '-q', 'desktop');
  await annex(desktop, 'get', '-q', 'other.txt', 'big.bin');
  assert.deepEqual(readFileSync(join(desktop, 'other.txt')), OTHER);
  assert.deepEqual(readFileSync(join(desktop, 'big.bin')), BIG);
  await fsckClean(desktop);
});

test('ssh: an unreachable host or a different repository at the URL is one line and nothing changes', options, async () => {
  const { client, server } = await serverAndClient();
  await git(client, 'remote', 'add', 'nowhere', `${sshd.host}:${server}-missing`);
  await useTestSsh(client, 'nowhere');
  const missing = await runArbor(['copy', '--to', 'nowhere', 'big.bin'], { cwd: client });
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /remote nowhere is not available/);
  plainLines(missing.stderr);

  // The server was replaced by another repository: its uuid no longer matches what the client knows.
  await git(client, 'config', 'remote.server.annex-uuid', '11111111-2222-3333-4444-555555555555');
  const other = await runArbor(['copy', '--to', 'server', 'big.bin'], { cwd: client });
  assert.notEqual(other.code, 0);
  assert.match(other.stderr, /remote server is not available: .*expected repository UUID 11111111/);
  await git(client, 'config', '--unset', 'remote.server.annex-uuid');

  await sshd.stop();
  try {
    const down = await runArbor(['copy', '--to', 'server', 'big.bin'], { cwd: client });
    assert.notEqual(down.code, 0);
    assert.match(down.stderr, /remote server is not available: .*(refused|closed|Connection)/i);
    plainLines(down.stderr);
    const where = await gitAnnexWhereis(client, 'big.bin');
    assert.deepEqual(where.get('big.bin'), [await uuidOf(client)], 'nothing recorded for a failed copy');
  } finally {
    await sshd.start();
  }
});

test('ssh: the assistant commits a new file, pushes it and sends its content to the ssh server by itself', options, async () => {
  const { server, serverUuid, client } = await serverAndClient();
  await arbor(client, 'sync');
  await configureFastAssistant(client);
  await startAssistant(client);
  try {
    writeFiles(client, { 'photo.raw': Buffer.alloc(500_000, 9) });
    await eventually(
      'the server has photo.raw, by its own account',
      async () => {
        const key = (await git(server, 'ls-tree', '-r', 'main', '--', 'photo.raw')).trim() ? (await annex(client, 'find', '--format=${key}', 'photo.raw')).trim() : '';
        if (!key) return false;
        const w = JSON.parse(await annex(server, 'whereis', '--json', '--key', key)) as { whereis: Array<{ uuid: string }> };
        return w.whereis.some((x) => x.uuid === serverUuid);
      },
      { logOf: client },
    );
  } finally {
    await stopAssistant(client);
  }
  await fsckClean(server);
});

test('ssh: a server account restricted to git-annex-shell (forced command) syncs and takes content', options, async () => {
  const restricted = await startSshd({ restricted: true });
  try {
    const { server, serverUuid, client } = await serverAndClient(restricted);
    await arbor(client, 'sync');
    await arbor(client, 'copy', '--to', 'server', 'big.bin');
    assert.ok((await gitAnnexWhereis(client, 'big.bin')).get('big.bin')?.includes(serverUuid));
    await fsckClean(server);
  } finally {
    await restricted.stop();
  }
});

test('ssh: a stale location log (the server dropped it) fails get with one reason and keeps a partial file', options, async () => {
  const { server, client, parent } = await serverAndClient();
  await arbor(client, 'sync');
  await arbor(client, 'copy', '--to', 'server', 'big.bin');
  await arbor(client, 'sync');
  const key = (await annex(client, 'find', '--format=${key}', 'big.bin')).trim();
  // A second laptop, cloned over ssh: it learns from the server's branch that the server has big.bin.
  const second = join(parent, 'second');
  await git(parent, '-c', `core.sshCommand=${sshd.sshCommand}`, 'clone', '-q', `${sshd.host}:${server}`, second);
  await useTestSsh(second, 'origin');
  await arbor(second, 'init', 'second laptop');
  // Meanwhile the server loses it (its own git-annex drops it, telling nobody).
  await annex(server, 'dropkey', '--force', key);
  const partial = join(second, '.git', 'annex', 'tmp', key);
  mkdirSync(join(second, '.git', 'annex', 'tmp'), { recursive: true });
  writeFileSync(partial, BIG.subarray(0, 1000));
  const r = await runArbor(['get', 'big.bin'], { cwd: second });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /origin does not have/);
  assert.doesNotMatch(r.stderr, /verification/);
  assert.equal(readFileSync(partial).length, 1000, 'the partial file is kept for another source');
});

test('ssh: a host without git-annex-shell is set annex-ignore once, as git-annex does, and git sync with it goes on', options, async () => {
  const { server, client } = await serverAndClient();
  await git(client, 'config', 'remote.server.annex-shell', 'no-such-annex-shell');
  const first = await runArbor(['copy', '--to', 'server', 'big.bin'], { cwd: client });
  assert.notEqual(first.code, 0);
  assert.match(first.stderr, /remote server cannot hold annexed content: git-annex-shell is not installed on arbortest .*annex-ignore=true/);
  plainLines(first.stderr);
  assert.equal((await git(client, 'config', 'remote.server.annex-ignore')).trim(), 'true');
  // From now on the remote is a git-only remote: sync --content says nothing about it and succeeds.
  const sync = await runArbor(['sync', '--content'], { cwd: client });
  assert.equal(sync.code, 0, sync.stderr);
  assert.doesNotMatch(sync.stderr, /server/);
  assert.equal((await git(server, 'rev-parse', 'main')).trim(), (await git(client, 'rev-parse', 'main')).trim());
});
