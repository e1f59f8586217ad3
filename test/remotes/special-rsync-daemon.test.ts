// rsync special remotes on an rsync daemon (a real `rsync --daemon` on 127.0.0.1, config in a temp
// dir) interoperate with git-annex both ways, in both URL forms (`rsync://host:port/module/path`
// and `host::module/path` with --port= in annex-rsync-options): same layout in the module, gets
// verified, drops remove only their key; a daemon that is gone is said so in one line.
import '../helpers/env.js';
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { needsGitAnnex } from '../helpers/git-annex.js';
import { needsRsync, startRsyncd, type TestRsyncd } from '../helpers/rsyncd.js';
import { annex, arbor, cloneWithGitAnnex, makeArborRepo, type FixtureRepo } from '../helpers/annex-fixtures.js';
import { prng } from '../helpers/prng.js';
import { git } from '../helpers/repo.js';
import { runArbor } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';
import { filesUnder } from '../helpers/files.js';
import { startHungHost } from '../helpers/hung-host.js';

const options = { skip: needsGitAnnex.skip || needsRsync.skip };

function random(n: number, seed: number): Buffer {
  const rnd = prng(seed);
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rnd() * 256);
  return b;
}

function hashOf(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

const photo = random(100_000, 1);
const video = random(150 * 1024, 2);
let daemon: TestRsyncd;
let arb: FixtureRepo;
let ann: FixtureRepo;

before(async () => {
  if (options.skip) return;
  daemon = await startRsyncd();
  const parent = tempDir('arbor-rsyncd-');
  arb = await makeArborRepo({ parent, name: 'arbor', description: 'arbor side', files: [{ path: 'photo.jpg', content: photo, unlocked: false }, { path: 'video.mov', content: video, unlocked: false }] });
  ann = await cloneWithGitAnnex({ origin: arb.dir, parent, name: 'annex', description: 'git-annex side' });
});

test('arbor stores on an rsync:// daemon URL (chunked) in git-annex\'s layout; git-annex gets it from there and checks it', options, async () => {
  const url = daemon.url('by-arbor');
  await arbor(arb.dir, 'initremote', 'arbd', 'type=rsync', `rsyncurl=${url}`, 'encryption=none', 'chunk=64KiB');
  await arbor(arb.dir, 'copy', '--to', 'arbd', 'photo.jpg', 'video.mov');
  const stored = filesUnder(join(daemon.root, 'by-arbor'));
  const chunk = new RegExp(`^[0-9a-f]{3}/[0-9a-f]{3}/(SHA256E-s\\d+-S65536-C\\d--[0-9a-f]{64}\\.(jpg|mov))/\\1$`);
  assert.equal(stored.filter((f) => chunk.test(f)).length, 2 + 3, stored.join('\n'));
  assert.equal(stored.length, 5, 'no partial directory or scratch left');
  assert.match(await git(arb.dir, 'cat-file', '-p', 'git-annex:remote.log'), new RegExp(`chunk=64KiB encryption=none name=arbd rsyncurl=${url.replace(/[/.]/g, '\\$&')} type=rsync timestamp=`));

  await git(ann.dir, 'fetch', '-q', 'origin', 'git-annex');
  await annex(ann.dir, 'enableremote', 'arbd');
  await annex(ann.dir, 'get', '-q', '--from', 'arbd', 'photo.jpg');
  assert.ok(readFileSync(join(ann.dir, 'photo.jpg')).equals(photo));
  assert.match(await annex(ann.dir, 'fsck', '--from', 'arbd', 'video.mov'), /ok/);
});

test('git-annex stores on a host::module daemon URL (--port= from annex-rsync-options); arbor gets it, stores there too, and drops only that key', options, async () => {
  const url = `127.0.0.1::annex/by-annex`;
  await annex(ann.dir, 'initremote', 'annd', 'type=rsync', `rsyncurl=${url}`, 'encryption=none');
  await git(ann.dir, 'config', 'remote.annd.annex-rsync-options', `--port=${daemon.port}`);
  await annex(ann.dir, 'copy', '-q', '--to', 'annd', 'photo.jpg');
  await git(arb.dir, 'fetch', '-q', ann.dir, 'git-annex:refs/remotes/annex/git-annex');
  await arbor(arb.dir, 'enableremote', 'annd');
  await git(arb.dir, 'config', 'remote.annd.annex-rsync-options', `--port=${daemon.port}`);
  await arbor(arb.dir, 'drop', '--force', 'photo.jpg');
  await arbor(arb.dir, 'get', '--from', 'annd', 'photo.jpg');
  assert.ok(readFileSync(join(arb.dir, 'photo.jpg')).equals(photo));
  await arbor(arb.dir, 'copy', '--to', 'annd', 'video.mov');
  assert.equal(filesUnder(join(daemon.root, 'by-annex')).filter((f) => f.includes(hashOf(video))).length, 1);
  await arbor(arb.dir, 'drop', '--from', 'annd', 'video.mov');
  const left = filesUnder(join(daemon.root, 'by-annex'));
  assert.equal(left.some((f) => f.includes(hashOf(video))), false, left.join('\n'));
  assert.equal(left.filter((f) => f.includes(hashOf(photo))).length, 1, left.join('\n'));
  assert.match(await arbor(arb.dir, 'fsck', '--from', 'annd', 'photo.jpg'), /1 checked, 0 failed/);
});

test('a daemon that is gone is said so in one line naming the remote, not taken for missing content', options, async () => {
  await daemon.stop();
  await arbor(arb.dir, 'drop', '--force', 'photo.jpg');
  const r = await runArbor(['get', '--from', 'arbd', 'photo.jpg'], { cwd: arb.dir });
  assert.equal(r.code, 1);
  const complaint = r.stderr.trim().split('\n').filter((l) => l.includes('photo.jpg'));
  assert.equal(complaint.length, 1, r.stderr);
  assert.match(complaint[0] ?? '', /remote arbd is not available: .*Connection refused/);
  assert.doesNotMatch(r.stderr, /not present|missing/i);
});

test('a daemon that accepts and never answers is given up after arbor.network.stallseconds, in one line naming the remote', options, async () => {
  const hung = await startHungHost();
  try {
    await arbor(arb.dir, 'initremote', 'hungd', 'type=rsync', `rsyncurl=rsync://127.0.0.1:${hung.port}/mod/x`, 'encryption=none');
    await git(arb.dir, 'config', 'arbor.network.stallseconds', '1');
    const r = await runArbor(['copy', '--to', 'hungd', 'video.mov'], { cwd: arb.dir });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /remote hungd is not available: .*timeout/);
    assert.doesNotMatch(await arbor(arb.dir, 'whereis', 'video.mov'), /hungd/);
  } finally {
    await git(arb.dir, 'config', '--unset', 'arbor.network.stallseconds');
    await hung.close();
  }
});
