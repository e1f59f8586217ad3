// rsync special remotes over ssh (a real sshd on 127.0.0.1) interoperate with git-annex both ways:
// a remote git-annex created is used by arbor and the other way round (same remote.log entry, same
// hashed layout on the server, chunked or not), drops remove only the key's directory, and a host
// that cannot be reached is said so, never taken for "the content is not there".
import '../helpers/env.js';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { needsGitAnnex } from '../helpers/git-annex.js';
import { needsSshd, startSshd, type TestSshd } from '../helpers/sshd.js';
import { annex, annexRun, arbor, cloneWithArbor, cloneWithGitAnnex, makeArborRepo, type FixtureRepo } from '../helpers/annex-fixtures.js';
import { prng } from '../helpers/prng.js';
import { git, makeRepo } from '../helpers/repo.js';
import { runArbor } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';
import { filesUnder } from '../helpers/files.js';

const skip = needsGitAnnex.skip || needsSshd.skip;
const options = { skip };

function random(n: number, seed: number): Buffer {
  const rnd = prng(seed);
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rnd() * 256);
  return b;
}

function keyOf(content: Buffer, ext: string): string {
  return `SHA256E-s${content.length}--${createHash('sha256').update(content).digest('hex')}${ext}`;
}

let parent: string;
let sshd: TestSshd;
/** The server's folders, one per remote. */
let byArbor: string;
let byAnnex: string;
/** arbor's repository (it made `arbs`), and git-annex's clone of it (it made `anns`). */
let arb: FixtureRepo;
let ann: FixtureRepo;
const photo = random(200_000, 1);
const video = random(300 * 1024, 2);

/** Both repositories reach the server through the test sshd's own client config. */
async function useTestSsh(dir: string, remote: string): Promise<void> {
  await git(dir, 'config', `remote.${remote}.annex-rsync-transport`, `ssh -F ${sshd.clientConfig}`);
}

before(async () => {
  if (skip) return;
  parent = tempDir('arbor-rsync-');
  sshd = await startSshd();
  // rsync (for git-annex and arbor alike) makes the remote's folder, not its parents.
  mkdirSync(join(parent, 'server'));
  byArbor = join(parent, 'server', 'by-arbor');
  byAnnex = join(parent, 'server', 'by-annex');
  arb = await makeArborRepo({ parent, name: 'arbor', description: 'arbor side', files: [{ path: 'photo.jpg', content: photo, unlocked: false }, { path: 'video.mov', content: video, unlocked: true }] });
  await arbor(arb.dir, 'initremote', 'arbs', 'type=rsync', `rsyncurl=${sshd.host}:${byArbor}`, 'encryption=none');
  await useTestSsh(arb.dir, 'arbs');
  ann = await cloneWithGitAnnex({ origin: arb.dir, parent, name: 'annex', description: 'git-annex side' });
  await git(ann.dir, 'fetch', '-q', 'origin', 'git-annex');
  await annex(ann.dir, 'initremote', 'anns', 'type=rsync', `rsyncurl=${sshd.host}:${byAnnex}`, 'encryption=none', 'chunk=128KiB');
  await useTestSsh(ann.dir, 'anns');
});

after(async () => {
  if (!skip) await sshd.stop();
});

test('initremote type=rsync writes what git-annex writes: remote.log entry and git config', options, async () => {
  const log = await git(arb.dir, 'show', 'git-annex:remote.log');
  assert.match(log, new RegExp(`^[0-9a-f-]{36} encryption=none name=arbs rsyncurl=${sshd.host}:${byArbor.replace(/[/.]/g, '\\$&')} type=rsync timestamp=\\d+(\\.\\d+)?s$`, 'm'));
  assert.equal(await git(arb.dir, 'config', 'remote.arbs.annex-rsyncurl'), `${sshd.host}:${byArbor}`);
  const bad = await runArbor(['initremote', 'nope', 'type=rsync', 'encryption=none'], { cwd: arb.dir });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /rsyncurl/);
});

test('arbor stores over ssh in git-annex\'s layout; git-annex gets it from there, and drops it', options, async () => {
  await arbor(arb.dir, 'copy', '--to', 'arbs', 'photo.jpg', 'video.mov');
  const pk = keyOf(photo, '.jpg');
  assert.ok(filesUnder(byArbor).some((f) => new RegExp(`^[0-9a-f]{3}/[0-9a-f]{3}/${pk}/${pk}$`).test(f)), filesUnder(byArbor).join('\n'));
  assert.ok(!filesUnder(byArbor).some((f) => f.includes('.rsync-partial')), 'no partial directory left');
  // git-annex learns of the remote from the git-annex branch, is pointed at the same sshd, and gets through it.
  await git(ann.dir, 'fetch', '-q', 'origin', 'git-annex');
  await annex(ann.dir, 'enableremote', 'arbs');
  await useTestSsh(ann.dir, 'arbs');
  await annex(ann.dir, 'get', '--from', 'arbs', 'photo.jpg', 'video.mov');
  assert.ok(readFileSync(join(ann.dir, 'photo.jpg')).equals(photo));
  assert.ok(readFileSync(join(ann.dir, 'video.mov')).equals(video));
  assert.equal((await annexRun(ann.dir, 'fsck', '--from', 'arbs', 'photo.jpg')).code, 0, 'git annex fsck --from the remote arbor filled');
  await annex(ann.dir, 'drop', '--from', 'arbs', 'video.mov');
  assert.ok(!filesUnder(byArbor).some((f) => f.includes(keyOf(video, '.mov'))), 'git-annex removed it');
  assert.ok(filesUnder(byArbor).some((f) => f.includes(pk)), 'the other key stays');
});

test('git-annex stores chunked over ssh; arbor gets it, verifies it, and drops only that key', options, async () => {
  await annex(ann.dir, 'copy', '--to', 'anns', 'photo.jpg', 'video.mov');
  await annex(ann.dir, 'sync', '-q', '--no-content', 'origin');
  const got = await cloneWithArbor({ origin: ann.dir, parent, name: 'arbor-2', description: 'second arbor' });
  await git(got.dir, 'fetch', '-q', 'origin', 'git-annex');
  await arbor(got.dir, 'enableremote', 'anns');
  await useTestSsh(got.dir, 'anns');
  await arbor(got.dir, 'get', '--from', 'anns', 'photo.jpg', 'video.mov');
  assert.ok(readFileSync(join(got.dir, 'photo.jpg')).equals(photo));
  assert.ok(readFileSync(join(got.dir, 'video.mov')).equals(video));
  assert.match(await arbor(got.dir, 'whereis', 'video.mov'), /anns/);
  const before = filesUnder(byAnnex);
  assert.ok(before.filter((f) => f.includes('-S131072-C')).length >= 4, 'git-annex stored chunks (128 KiB each)');
  await arbor(got.dir, 'drop', '--from', 'anns', 'video.mov');
  const after = filesUnder(byAnnex);
  assert.ok(!after.some((f) => f.includes(createHash('sha256').update(video).digest('hex'))), 'every chunk of video.mov is gone');
  assert.ok(after.some((f) => f.includes(createHash('sha256').update(photo).digest('hex'))), 'photo.jpg\'s chunks stay');
  // git-annex agrees that the remote no longer has it (it looks on the server itself).
  await git(got.dir, 'push', '-q', 'origin', 'git-annex:synced/git-annex');
  await annex(ann.dir, 'merge');
  assert.doesNotMatch(await annex(ann.dir, 'whereis', 'video.mov'), /anns/);
});

test('a host that cannot be reached is said so, in one line naming the remote, not taken for missing content', options, async () => {
  const dir = await makeRepo({ parent, name: 'lonely' });
  await arbor(dir, 'init', 'lonely');
  await git(dir, 'config', 'annex.largefiles', 'anything');
  await git(dir, 'config', 'arbor.network.stallseconds', '5');
  writeFileSync(join(dir, 'x.bin'), random(10_000, 3));
  await arbor(dir, 'add', 'x.bin');
  await git(dir, 'commit', '-qm', 'x');
  // A port nobody listens on.
  await arbor(dir, 'initremote', 'gone', 'type=rsync', `rsyncurl=${sshd.host}:${join(parent, 'nowhere')}`, 'encryption=none');
  await git(dir, 'config', 'remote.gone.annex-rsync-transport', `ssh -F ${sshd.clientConfig} -p 9`);
  const r = await runArbor(['copy', '--to', 'gone', 'x.bin'], { cwd: dir });
  assert.equal(r.code, 1);
  const lines = r.stderr.trim().split('\n');
  assert.ok(lines.some((l) => /remote gone is not available: ssh: connect to host .* Connection refused/.test(l)), r.stderr);
  const fsck = await runArbor(['fsck', '--from', 'gone', 'x.bin'], { cwd: dir });
  assert.notEqual(fsck.code, 0, 'fsck --from an unreachable remote is not a pass');
  assert.doesNotMatch(fsck.stdout + fsck.stderr, /missing|not present/i, 'nor does it call the content missing');
});
