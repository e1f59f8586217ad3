// Verified copies: byte-exact across many chunks, corruption on the way rejected, resume after a crash, no object before the rename.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { copyVerified } from '../../src/annex/verified-copy.js';
import { ObjectStore } from '../../src/annex/object-store.js';
import type { Key } from '../../src/annex/key.js';
import { PIPELINE_CHUNK_BYTES } from '../../src/annex/pipelined-io.js';
import { ARBOR_ROOT } from '../helpers/env.js';
import { run } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';

function keyOf(data: Buffer): Key {
  return { backend: 'SHA256E', size: data.length, name: `${createHash('sha256').update(data).digest('hex')}.bin` };
}

test('a file larger than one buffer round-trips byte-exact and verifies', async () => {
  const dir = tempDir('arbor-vcopy-');
  const data = randomBytes(2 * PIPELINE_CHUNK_BYTES + 4321);
  writeFileSync(join(dir, 'src'), data);
  const progress: number[] = [];
  const ok = await copyVerified({ key: keyOf(data), source: join(dir, 'src'), dest: join(dir, 'dst'), progress: (d) => progress.push(d) });
  assert.equal(ok, true);
  assert.ok(readFileSync(join(dir, 'dst')).equals(data));
  assert.equal(progress[0], 0);
  assert.equal(progress.at(-1), data.length);
});

test('a copy corrupted mid-way is rejected', async () => {
  const dir = tempDir('arbor-vcopy-');
  const data = randomBytes(5 << 20);
  writeFileSync(join(dir, 'src'), data);
  let chunks = 0;
  const ok = await copyVerified({
    key: keyOf(data),
    source: join(dir, 'src'),
    dest: join(dir, 'dst'),
    throttle: async (chunk) => {
      if (++chunks === 3) chunk[chunk.length >> 1] = (chunk[chunk.length >> 1] ?? 0) ^ 0x01;
    },
  });
  assert.ok(chunks > 3, 'the copy went on past the corrupted chunk');
  assert.equal(ok, false);
});

test('a copy of a source that does not match its key is rejected, also when only the size differs', async () => {
  const dir = tempDir('arbor-vcopy-');
  const data = randomBytes(70_000);
  writeFileSync(join(dir, 'src'), data);
  const wrong = Buffer.from(data);
  wrong[100] = (wrong[100] ?? 0) ^ 0xff;
  assert.equal(await copyVerified({ key: keyOf(wrong), source: join(dir, 'src'), dest: join(dir, 'a') }), false);
  assert.equal(await copyVerified({ key: keyOf(data.subarray(0, 60_000)), source: join(dir, 'src'), dest: join(dir, 'b') }), false);
});

test('a partial copy resumes: the bytes already there are hashed, only the rest is read from the source', async () => {
  const dir = tempDir('arbor-vcopy-');
  const data = randomBytes(3 << 20);
  writeFileSync(join(dir, 'src'), data);
  const have = (1 << 20) + 17;
  writeFileSync(join(dir, 'dst'), data.subarray(0, have));
  let sent = 0;
  const progress: number[] = [];
  const ok = await copyVerified({
    key: keyOf(data),
    source: join(dir, 'src'),
    dest: join(dir, 'dst'),
    progress: (d) => progress.push(d),
    throttle: async (chunk) => void (sent += chunk.length),
  });
  assert.equal(ok, true);
  assert.equal(sent, data.length - have);
  assert.equal(progress[0], have);
  assert.ok(readFileSync(join(dir, 'dst')).equals(data));
  // A corrupt partial is not trusted either: the whole copy fails verification.
  writeFileSync(join(dir, 'bad'), Buffer.alloc(have, 0));
  assert.equal(await copyVerified({ key: keyOf(data), source: join(dir, 'src'), dest: join(dir, 'bad') }), false);
});

test('a process that dies mid-copy leaves a partial in annex/tmp and no object; the next copy resumes and commits it', async () => {
  const dir = tempDir('arbor-vcopy-');
  const data = randomBytes(6 << 20);
  const key = keyOf(data);
  writeFileSync(join(dir, 'src'), data);
  const gitDir = join(dir, 'repo.git');
  const store = new ObjectStore({ gitDir, bare: true });
  const tmp = store.tmpPathFor(key);
  // The child copies into annex/tmp and exits abruptly when the third chunk reaches the throttle.
  const script = `
    import { mkdirSync } from 'node:fs';
    import { dirname } from 'node:path';
    import { copyVerified } from ${JSON.stringify(join(ARBOR_ROOT, 'src/annex/verified-copy.ts'))};
    mkdirSync(dirname(${JSON.stringify(tmp)}), { recursive: true });
    let n = 0;
    await copyVerified({ key: ${JSON.stringify(key)}, source: ${JSON.stringify(join(dir, 'src'))}, dest: ${JSON.stringify(tmp)},
      throttle: async () => { if (++n === 3) process.exit(9); } });
    process.exit(0);`;
  const r = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ARBOR_ROOT });
  assert.equal(r.code, 9, r.stderr);
  assert.equal(await store.has(key), false, 'no object before the verified rename');
  const partial = statSync(tmp).size;
  assert.ok(partial > 0 && partial < data.length, `a partial was left (${partial} bytes)`);
  assert.ok(readFileSync(tmp).equals(data.subarray(0, partial)), 'the partial is a clean prefix');
  let sent = 0;
  assert.equal(await copyVerified({ key, source: join(dir, 'src'), dest: tmp, throttle: async (c) => void (sent += c.length) }), true);
  assert.equal(sent, data.length - partial);
  const p = await store.commitTemp(key, tmp);
  assert.ok(readFileSync(p).equals(data));
  assert.equal(existsSync(tmp), false);
});
