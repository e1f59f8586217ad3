// fsck --from an ssh remote verifies the remote's bytes as git-annex does: download to a temporary
// file, check the hash, and drop a bad copy from the remote and from the location log. Real sshd,
// real git-annex-shell on the server, real git-annex as the judge of the logs.
import '../helpers/env.js';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { needsGitAnnex } from '../helpers/git-annex.js';
import { needsSshd, startSshd, type TestSshd } from '../helpers/sshd.js';
import { annex, arbor, gitAnnexWhereis, makeArborRepo, objectPath, uuidOf } from '../helpers/annex-fixtures.js';
import { git, makeRepo } from '../helpers/repo.js';
import { runArbor } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';

const skip = needsGitAnnex.skip || needsSshd.skip;
const options = { skip };

let sshd: TestSshd;
before(async () => {
  if (!skip) sshd = await startSshd();
});
after(async () => {
  if (!skip) await sshd.stop();
});

const BAD = Buffer.alloc(1 << 20, 3);
const GOOD = Buffer.from('this copy stays good\n'.repeat(200));

test('fsck --from an ssh remote downloads and verifies: a copy changed on the server is reported, dropped there and unlogged; a good copy is ok', options, async () => {
  const parent = tempDir('arbor-ssh-fsck-');
  const server = await makeRepo({ bare: true, parent, name: 'server.git' });
  await annex(server, 'init', '-q', 'home server');
  const { dir: client } = await makeArborRepo({
    parent,
    name: 'laptop',
    description: 'laptop',
    files: [
      { path: 'bad.bin', content: BAD, unlocked: false },
      { path: 'good.txt', content: GOOD, unlocked: false },
    ],
  });
  await git(client, 'remote', 'add', 'server', `${sshd.host}:${server}`);
  await git(client, 'config', 'core.sshCommand', sshd.sshCommand);
  await git(client, 'config', 'remote.server.annex-ssh-options', `-F ${sshd.clientConfig}`);
  const serverUuid = await uuidOf(server);
  await arbor(client, 'sync');
  await arbor(client, 'copy', '--to', 'server', 'bad.bin', 'good.txt');

  // Presence-only checking is named as such (--fast), and a good server passes a full check.
  const fast = await runArbor(['fsck', '--fast', '--from', 'server'], { cwd: client });
  assert.equal(fast.code, 0, fast.stderr);
  assert.match(fast.stdout, /only checked for presence, content not verified: server/);
  const clean = await runArbor(['fsck', '--from', 'server'], { cwd: client });
  assert.equal(clean.code, 0, clean.stderr);
  assert.doesNotMatch(clean.stdout, /only checked for presence/);
  assert.match(clean.stdout, /fsck: 2 checked, 0 failed/);

  // Someone changes the bytes of the server's copy in place (same size: only the hash can tell).
  const key = (await annex(client, 'find', '--format=${key}', 'bad.bin')).trim();
  const object = await objectPath({ dir: server, key, bare: true });
  chmodSync(dirname(object), 0o755);
  chmodSync(object, 0o644);
  const changed = Buffer.from(BAD);
  changed[12345] = 4;
  writeFileSync(object, changed);

  const r = await runArbor(['fsck', '--from', 'server'], { cwd: client });
  assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stderr, /^git-arbor: bad\.bin: Bad file content; dropped from server$/m);
  assert.doesNotMatch(r.stderr, /good\.txt/);
  assert.match(r.stdout, /fsck: 2 checked, 1 failed/);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);

  // The server no longer has it, and the logs say so, as git-annex reads them on both sides.
  assert.equal(existsSync(object), false, 'the bad copy is gone from the server');
  const where = await gitAnnexWhereis(client, 'bad.bin', 'good.txt');
  assert.equal(where.get('bad.bin')?.includes(serverUuid), false, 'the client no longer lists the server for the bad file');
  assert.equal(where.get('good.txt')?.includes(serverUuid), true, 'the good copy stays listed');
  const onServer = (await annex(server, 'find', '--format=${file}\\n', '--in=here', '--all').catch(() => '')).trim();
  assert.doesNotMatch(onServer, new RegExp(key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  // No download is left behind in the client's annex/tmp.
  const tmp = join(client, '.git', 'annex', 'tmp');
  assert.deepEqual(existsSync(tmp) ? readdirSync(tmp).filter((n) => n.startsWith('fsck-')) : [], []);

  // The good local copy can go back to the server afterwards: nothing is lost.
  await arbor(client, 'copy', '--to', 'server', 'bad.bin');
  assert.deepEqual(readFileSync(await objectPath({ dir: server, key, bare: true })), BAD);
});

/**
 * An annex-shell that greets and then never answers again: the real git-annex-shell, whose answers
 * after the first two lines (AUTH-SUCCESS, VERSION) are swallowed, as a host whose disk hangs
 * would leave a client waiting.
 */
const FREEZING_SHELL = `#!/bin/sh
git-annex-shell "$@" | perl -e '$| = 1; while (<STDIN>) { print if $. <= 2 }'
`;

test('a host that greets and then never answers: copy --to ends with one line naming the remote as stalled, a non-zero exit, and the next file does not wait again', options, async () => {
  const parent = tempDir('arbor-ssh-stall-');
  const server = await makeRepo({ bare: true, parent, name: 'frozen.git' });
  await annex(server, 'init', '-q', 'frozen server');
  const { dir: client } = await makeArborRepo({
    parent,
    name: 'laptop',
    description: 'laptop',
    files: [
      { path: 'one.bin', content: Buffer.alloc(300_000, 1), unlocked: false },
      { path: 'two.bin', content: Buffer.alloc(300_000, 2), unlocked: false },
    ],
  });
  await git(client, 'remote', 'add', 'server', `${sshd.host}:${server}`);
  await git(client, 'config', 'core.sshCommand', sshd.sshCommand);
  await git(client, 'config', 'remote.server.annex-ssh-options', `-F ${sshd.clientConfig}`);
  await git(client, 'config', 'remote.server.annex-uuid', await uuidOf(server));
  const shell = join(parent, 'freezing-annex-shell');
  writeFileSync(shell, FREEZING_SHELL);
  chmodSync(shell, 0o755);
  await git(client, 'config', 'remote.server.annex-shell', shell);
  await git(client, 'config', 'arbor.network.stallseconds', '2');

  const r = await runArbor(['copy', '--to', 'server', 'one.bin', 'two.bin'], { cwd: client });
  assert.notEqual(r.code, 0, 'the copy failed');
  const said = r.stdout + r.stderr;
  assert.match(said, /remote server is not available: no answer for 2 s while waiting for .* \(stalled\)/);
  assert.doesNotMatch(said, /internal error|\n\s+at /, 'one line, no stack trace');
  const logged = await annex(client, 'whereis', '--json', 'one.bin', 'two.bin');
  assert.doesNotMatch(logged, /frozen server/, 'nothing is recorded on the server that did not arrive');
});
