// Patch files (`git arbor delta write|apply`): two copies that never meet exchange a change through a file, and nothing wrong is ever placed.
import '../helpers/env.js';
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { needsGitAnnex } from '../helpers/git-annex.js';
import { arbor, cloneWithArbor, makeArborRepo, objectPath } from '../helpers/annex-fixtures.js';
import { git } from '../helpers/repo.js';
import { runArbor } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';
import { prng } from '../helpers/prng.js';
import { formatKey } from '../../src/annex/key.js';
import { parsePointer } from '../../src/annex/pointer.js';

const options = { skip: needsGitAnnex.skip };
/** 1 MiB: several content-defined runs, little CPU. */
const SIZE = 1 << 20;

let parent: string;
/** Writes the patches: has every version. */
let home: string;
/** Applies them: has only the first version, never talks to `home` again. */
let away: string;
let v1: Buffer;
let v2: Buffer;
let key1: string;
let key2: string;
let key3: string;

function random(n: number, seed: number): Buffer {
  const rnd = prng(seed);
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i + 4 <= n; i += 4) b.writeUInt32LE(Math.floor(rnd() * 4294967296), i);
  return b;
}

async function keyOf(dir: string, path: string): Promise<string> {
  const key = parsePointer(await git(dir, 'cat-file', 'blob', `HEAD:${path}`));
  assert.ok(key);
  return formatKey(key);
}

/** Commits a new version of the unlocked big.bin in `home`; its key. */
async function commitVersion(content: Buffer): Promise<string> {
  writeFileSync(join(home, 'big.bin'), content);
  await arbor(home, 'add', '--unlocked', 'big.bin');
  await git(home, 'commit', '-qm', 'new big.bin');
  return keyOf(home, 'big.bin');
}

/** `delta apply` in `away` that must fail: its one stderr line, and the new object is not there. */
async function applyFails(patch: string, newKey: string): Promise<string> {
  const r = await runArbor(['delta', 'apply', patch], { cwd: away });
  assert.notEqual(r.code, 0, 'apply fails');
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line: ${r.stderr}`);
  assert.equal(existsSync(await objectPath({ dir: away, key: newKey })), false, 'nothing placed');
  return lines[0] ?? '';
}

before(async () => {
  if (options.skip) return;
  parent = tempDir('arbor-patch-');
  v1 = random(SIZE, 1);
  ({ dir: home } = await makeArborRepo({ parent, name: 'home', description: 'home', files: [{ path: 'big.bin', content: v1, unlocked: true }] }));
  key1 = await keyOf(home, 'big.bin');
  ({ dir: away } = await cloneWithArbor({ origin: home, parent, name: 'away', description: 'away' }));
  await arbor(away, 'get', 'big.bin');
  v2 = Buffer.from(v1);
  random(16 << 10, 2).copy(v2, SIZE / 2);
  key2 = await commitVersion(v2);
  key3 = await commitVersion(Buffer.concat([v2, random(4096, 3)]));
  // `away` learns of the new commits (git only; the content travels as patches).
  await git(away, 'pull', '-q', 'origin');
  await git(away, 'remote', 'remove', 'origin');
});

test('delta write: a patch for a small change is small, and names both keys', options, async () => {
  const patch = join(parent, 'v1-v2.patch');
  const out = await arbor(home, 'delta', 'write', '--from', key1, '--to', key2, patch);
  assert.match(out, /ok$/m);
  const size = statSync(patch).size;
  assert.ok(size < 100_000, `${size} bytes for a 16 KiB change in 1 MiB`);
  const head = readFileSync(patch).subarray(0, 400).toString('latin1');
  assert.ok(head.includes(`old ${key1}`) && head.includes(`new ${key2}`));
});

test('delta apply: a truncated patch is refused', options, async () => {
  const patch = join(parent, 'v1-v2.patch');
  const cut = join(parent, 'cut.patch');
  const whole = readFileSync(patch);
  writeFileSync(cut, whole.subarray(0, Math.floor(whole.length / 2)));
  assert.match(await applyFails(cut, key2), /truncated/);
});

test('delta apply: a patch altered in one byte is refused', options, async () => {
  const patch = readFileSync(join(parent, 'v1-v2.patch'));
  const altered = join(parent, 'altered.patch');
  const bad = Buffer.from(patch);
  const at = Math.floor(bad.length / 2);
  bad[at] = (bad[at] as number) ^ 0xff;
  writeFileSync(altered, bad);
  assert.match(await applyFails(altered, key2), /damaged/);
});

test('delta apply: a patch whose old version is not here says so', options, async () => {
  const patch = join(parent, 'v2-v3.patch');
  await arbor(home, 'delta', 'write', '--to', 'big.bin', patch);
  const line = await applyFails(patch, key3);
  assert.match(line, /not present here/);
  assert.ok(line.includes(key2));
});

test('delta apply: a corrupt old object is detected and nothing is placed', options, async () => {
  const object = await objectPath({ dir: away, key: key1 });
  const good = readFileSync(object);
  chmodSync(dirname(object), 0o755);
  chmodSync(object, 0o644);
  const bad = Buffer.from(good);
  bad.fill(0, 1000, 2000);
  writeFileSync(object, bad);
  try {
    assert.match(await applyFails(join(parent, 'v1-v2.patch'), key2), /corrupt/);
  } finally {
    writeFileSync(object, good);
    chmodSync(object, 0o444);
    chmodSync(dirname(object), 0o555);
  }
});

test('delta apply: rebuilds the new version, places it, logs it and populates the unlocked file', options, async () => {
  assert.match(await arbor(away, 'delta', 'apply', join(parent, 'v1-v2.patch')), /rebuilt and verified ok/);
  assert.ok(readFileSync(await objectPath({ dir: away, key: key2 })).equals(v2));
  // `away` is at v3's commit, so the work-tree file (still v3's pointer) is not v2: check v2 by checking out.
  await git(away, 'checkout', '-q', 'HEAD~1', '--', 'big.bin');
  await arbor(away, 'get', 'big.bin');
  assert.ok(readFileSync(join(away, 'big.bin')).equals(v2), 'the unlocked file has v2');
  const whereis = await arbor(away, 'whereis', '--json', 'big.bin');
  assert.match(whereis, /"here":true/);
  // v2 is here now, so the v2 → v3 patch applies too and populates the file at HEAD.
  await git(away, 'checkout', '-q', 'HEAD', '--', 'big.bin');
  await arbor(away, 'delta', 'apply', join(parent, 'v2-v3.patch'));
  assert.ok(readFileSync(join(away, 'big.bin')).equals(Buffer.concat([v2, random(4096, 3)])), 'apply populated the unlocked file');
  await arbor(away, 'fsck');
});
