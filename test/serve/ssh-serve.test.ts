// `git arbor serve` behind a real sshd: arbor's client finds and uses it, git-annex's client uses it as its annex-shell, a forced command restricts an account to one repository, notifychanges reports pushes.
import '../helpers/env.js';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { needsGitAnnex } from '../helpers/git-annex.js';
import { needsSshd, startSshd, type TestSshd } from '../helpers/sshd.js';
import { annex, annexRun, arbor, makeArborRepo, objectPath } from '../helpers/annex-fixtures.js';
import { git, makeRepo } from '../helpers/repo.js';
import { run } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';
import { ByteReader } from '../../src/util/byte-reader.js';

const skip = needsGitAnnex.skip || needsSshd.skip;
const options = { skip };
const BIG = Buffer.alloc(1 << 20, 9);

let parent: string;
let open: TestSshd;
let restricted: TestSshd;
let restrictedRepo: string;

/** Key options giving the ssh session the test's PATH, with a git-annex-shell that always fails first: only serve can answer. */
function environment(binDir: string): string {
  return `environment="PATH=${binDir}:${process.env.PATH ?? ''}",environment="HOME=${process.env.HOME ?? ''}"`;
}

before(async () => {
  if (skip) return;
  parent = tempDir('arbor-serve-ssh-');
  const binDir = join(parent, 'remote-bin');
  mkdirSync(binDir);
  writeFileSync(join(binDir, 'git-annex-shell'), '#!/bin/sh\necho "git-annex-shell was run, serve was expected" >&2\nexit 1\n');
  writeFileSync(join(binDir, 'git-arbor-shell-wrapper'), '#!/bin/sh\nexec git-arbor serve "$@"\n');
  chmodSync(join(binDir, 'git-annex-shell'), 0o755);
  chmodSync(join(binDir, 'git-arbor-shell-wrapper'), 0o755);
  open = await startSshd({ keyOptions: environment(binDir) });
  restrictedRepo = await serverRepo('restricted.git');
  restricted = await startSshd({ keyOptions: `command="git-arbor serve --restrict ${restrictedRepo}",restrict,${environment(binDir)}` });
});
after(async () => {
  if (skip) return;
  await open.stop();
  await restricted.stop();
});

async function serverRepo(name: string): Promise<string> {
  const server = await makeRepo({ bare: true, parent, name });
  await annex(server, 'init', '-q', 'home server');
  return server;
}

async function useSsh(dir: string, via: TestSshd): Promise<void> {
  await git(dir, 'config', 'core.sshCommand', via.sshCommand);
  await git(dir, 'config', 'remote.server.annex-ssh-options', `-F ${via.clientConfig}`);
}

test('serve: an arbor client finds git-arbor on the host once, remembers it, and sends, gets and drops through serve', options, async () => {
  const server = await serverRepo('for-arbor.git');
  const { dir: client } = await makeArborRepo({ parent, name: 'laptop', description: 'laptop', files: [{ path: 'big.bin', content: BIG, unlocked: false }] });
  await git(client, 'remote', 'add', 'server', `${open.host}:${server}`);
  await useSsh(client, open);
  await arbor(client, 'copy', '--to', 'server', 'big.bin');
  assert.equal((await git(client, 'config', 'remote.server.arbor-serve')).trim(), 'true');
  const key = (await annex(client, 'find', '--format=${key}', 'big.bin')).trim();
  const object = await objectPath({ dir: server, key, bare: true });
  assert.ok(existsSync(object), 'the server holds the content');
  assert.equal((await annexRun(server, 'fsck', '-q', '--key', key)).code, 0);
  await arbor(client, 'drop', 'big.bin');
  await arbor(client, 'get', 'big.bin');
  await arbor(client, 'drop', '--from', 'server', 'big.bin');
  assert.equal(existsSync(object), false);
  assert.doesNotMatch(await annex(server, 'whereis', '--key', key).catch((e: Error) => e.message), /home server/);
});

test('serve: git-annex copies to, drops against, gets from and drops from a remote whose annex-shell runs serve', options, async () => {
  const server = await serverRepo('for-annex.git');
  const client = await makeRepo({ parent, name: 'annex-client' });
  await annex(client, 'init', '-q', 'annex client');
  writeFileSync(join(client, 'big.bin'), BIG);
  await annex(client, 'add', '-q', 'big.bin');
  await git(client, 'commit', '-q', '-m', 'big');
  await git(client, 'remote', 'add', 'server', `${open.host}:${server}`);
  await useSsh(client, open);
  await git(client, 'config', 'remote.server.annex-shell', 'git-arbor-shell-wrapper');
  await annex(client, 'copy', '-q', '--to', 'server', 'big.bin');
  await annex(client, 'drop', '-q', 'big.bin'); // counts the server's copy through LOCKCONTENT
  await annex(client, 'get', '-q', 'big.bin');
  assert.equal((await annexRun(client, 'fsck', '-q', 'big.bin')).code, 0);
  await annex(client, 'drop', '-q', '--from', 'server', 'big.bin');
  assert.match(await annex(client, 'whereis', 'big.bin'), /1 copy/);
});

test('serve --restrict: a forced-command account serves its one repository to arbor and git, and refuses anything else in one line', options, async () => {
  const { dir: client } = await makeArborRepo({ parent, name: 'restricted-client', description: 'laptop', files: [{ path: 'big.bin', content: BIG, unlocked: false }] });
  await git(client, 'remote', 'add', 'server', `${restricted.host}:${restrictedRepo}`);
  await useSsh(client, restricted);
  await arbor(client, 'sync');
  await arbor(client, 'copy', '--to', 'server', 'big.bin');
  assert.equal((await git(client, 'config', 'remote.server.arbor-serve')).trim(), 'false', 'the probe is refused: git-annex-shell command lines are used, which serve answers');
  assert.ok((await git(restrictedRepo, 'rev-parse', 'main')).trim().length === 40, 'git pushed through the forced command');
  const other = await serverRepo('not-served.git');
  const ssh = (cmd: string): ReturnType<typeof run> => run('ssh', ['-F', restricted.clientConfig, restricted.host, cmd]);
  const r = await ssh(`git-annex-shell 'p2pstdio' '${other}' x`);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, `git-arbor serve: refused: this account only serves ${restrictedRepo}, not ${other}\n`);
  const shell = await ssh('cat /etc/passwd');
  assert.equal(shell.code, 1);
  assert.match(shell.stderr, /^git-arbor serve: refused command "cat \/etc\/passwd"/);
});

test('serve notifychanges: READY, then the new sha of a pushed branch, without polling', options, async () => {
  const server = await serverRepo('notify.git');
  const child = spawn('ssh', ['-F', open.clientConfig, open.host, `git-arbor serve notifychanges '${server}'`], { stdio: 'pipe' });
  try {
    const reader = new ByteReader(child.stdout);
    assert.equal(await reader.line(), 'READY');
    const work = await makeRepo({ parent, name: 'pusher' });
    writeFileSync(join(work, 'a.txt'), 'a\n');
    await git(work, 'add', 'a.txt');
    await git(work, 'commit', '-q', '-m', 'a');
    await git(work, 'push', '-q', server, 'HEAD:refs/heads/main');
    const sha = (await git(work, 'rev-parse', 'HEAD')).trim();
    assert.equal(await reader.line(), `CHANGED ${sha}`);
  } finally {
    child.stdin.end();
    child.kill();
  }
});
