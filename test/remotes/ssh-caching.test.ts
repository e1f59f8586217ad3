// ssh connection caching: one connection per host carries every fetch, push and P2P conversation of
// a command and of the next one; annex.sshcaching=false turns it off; a host that goes down takes its
// cached connection with it and the next command says so.
import '../helpers/env.js';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sshCachingEnabled, sshCachingOptions } from '../../src/remotes/ssh-caching.js';
import { needsGitAnnex } from '../helpers/git-annex.js';
import { needsSshd, startSshd, type TestSshd } from '../helpers/sshd.js';
import { annex, makeArborRepo } from '../helpers/annex-fixtures.js';
import { git, makeRepo } from '../helpers/repo.js';
import { run as runCommand, runArbor } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';

const skip = needsGitAnnex.skip || needsSshd.skip;

let sshd: TestSshd;
before(async () => {
  if (!skip) sshd = await startSshd();
});
after(async () => {
  if (!skip) await sshd.stop();
});

test('the options name a private socket directory, one socket per destination and per remote ssh options', () => {
  const plain = sshCachingOptions();
  const keyed = sshCachingOptions('-i /keys/restricted');
  assert.deepEqual(plain.slice(0, 4), ['-o', 'ControlMaster=auto', '-o', 'ControlPersist=60']);
  const path = (opts: string[]): string => (opts[5] ?? '').replace(/^ControlPath=/, '');
  assert.match(path(plain), /-%C$/, 'ssh fills in the destination');
  assert.notEqual(path(plain), path(keyed), 'a remote with its own ssh options never rides on another key\'s connection');
  const dir = join(tmpdir(), `arbor-ssh-${process.getuid?.() ?? 0}`);
  assert.ok(path(plain).startsWith(`${dir}/`));
  assert.equal(statSync(dir).mode & 0o077, 0, 'only its owner can reach the sockets');
  assert.equal(sshCachingEnabled(undefined), true);
  assert.equal(sshCachingEnabled('false'), false);
  assert.equal(sshCachingEnabled('true'), true);
});

/** A bare git-annex repository on the test sshd and an arbor clone with an ssh remote to it. */
async function makeServerAndClient(): Promise<{ client: string }> {
  const parent = tempDir('arbor-ssh-cache-');
  const server = await makeRepo({ bare: true, parent, name: 'server.git' });
  await annex(server, 'init', '-q', 'server');
  const { dir: client } = await makeArborRepo({ parent, name: 'laptop', description: 'laptop', files: [{ path: 'big.bin', content: Buffer.alloc(200_000, 3), unlocked: false }] });
  await git(client, 'remote', 'add', 'server', `${sshd.host}:${server}`);
  await git(client, 'config', 'core.sshCommand', sshd.sshCommand);
  await git(client, 'config', 'remote.server.annex-ssh-options', `-F ${sshd.clientConfig}`);
  return { client };
}

/** Ends the cached connections to the test sshd (git's, and the P2P conversations' with the remote's -F option). */
async function closeCached(): Promise<void> {
  for (const variant of ['', `-F ${sshd.clientConfig}`]) {
    const opts = sshCachingOptions(variant);
    await runCommand('ssh', ['-F', sshd.clientConfig, ...opts, '-O', 'exit', sshd.host]);
  }
}

/** The one client the tests below share, made by the first that needs it. */
let shared: Promise<{ client: string }> | undefined;
const serverAndClient = (): Promise<{ client: string }> => (shared ??= makeServerAndClient());

async function sync(client: string, ...args: string[]): Promise<void> {
  const r = await runArbor(['sync', ...args], { cwd: client });
  assert.equal(r.code, 0, r.stderr);
}

test('a second sync with an ssh server makes no new ssh connection: the first one\'s are reused', { skip }, async () => {
  const { client } = await serverAndClient();
  await sync(client, '--content');
  const afterFirst = sshd.logins();
  assert.ok(afterFirst >= 1);
  assert.ok(sshd.connections() >= 1, 'the connection stays for the next command');
  await sync(client, '--content'); // fetch, push, and a P2P conversation to check the content
  assert.equal(sshd.logins(), afterFirst, 'no new login: every ssh rode on the cached connections');
  await closeCached();
});

test('annex.sshcaching=false: each ssh connects anew and none stays behind', { skip }, async () => {
  const { client } = await serverAndClient();
  await git(client, 'config', 'annex.sshcaching', 'false');
  try {
    await closeCached();
    const before = sshd.logins();
    await sync(client);
    const first = sshd.logins() - before;
    assert.ok(first >= 2, `fetch and push log in separately (${first} logins)`);
    assert.equal(sshd.connections(), 0, 'nothing left connected');
    await sync(client);
    assert.ok(sshd.logins() - before - first >= 2, 'the second sync logs in again');
  } finally {
    await git(client, 'config', '--unset', 'annex.sshcaching');
  }
});

test('a host that goes down takes its cached connection along: the next sync names the remote and fails, then works when it is back', { skip }, async () => {
  const { client } = await serverAndClient();
  await sync(client);
  assert.ok(sshd.connections() >= 1, 'a cached connection is open');
  await sshd.stop();
  try {
    const r = await runArbor(['sync'], { cwd: client });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /server/);
  } finally {
    await sshd.start();
  }
  await sync(client);
});
