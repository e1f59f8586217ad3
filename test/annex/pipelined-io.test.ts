// Pipelined chunk reads and copies: order, ranges, byte-exact copies, hashing exactly what was written, errors.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { BACKGROUND_SYNC_BYTES, copyChunks, forEachChunk, hashingWriter, PIPELINE_CHUNK_BYTES } from '../../src/annex/pipelined-io.js';
import { tempDir } from '../helpers/tmp.js';

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

test('forEachChunk hands over every byte in order with its offset, within the asked range', async () => {
  const dir = tempDir('arbor-pio-');
  const data = randomBytes(2 * PIPELINE_CHUNK_BYTES + 12345);
  writeFileSync(join(dir, 'f'), data);
  const h = await open(join(dir, 'f'), 'r');
  try {
    const seen: Buffer[] = [];
    const offsets: number[] = [];
    const n = await forEachChunk(h, {}, (chunk, offset) => {
      seen.push(Buffer.from(chunk)); // chunks are views of reused buffers: keep a copy
      offsets.push(offset);
    });
    assert.equal(n, data.length);
    assert.ok(seen.length >= 3, 'a file larger than one chunk comes in several');
    assert.ok(Buffer.concat(seen).equals(data));
    assert.deepEqual(offsets, seen.map((_, i) => seen.slice(0, i).reduce((a, b) => a + b.length, 0)));
    const part: Buffer[] = [];
    const m = await forEachChunk(h, { start: 1000, end: 1000 + 5000, chunkBytes: 1024 }, (chunk) => void part.push(Buffer.from(chunk)));
    assert.equal(m, 5000);
    assert.ok(Buffer.concat(part).equals(data.subarray(1000, 6000)));
  } finally {
    await h.close();
  }
});

test('forEachChunk stops at the first error of the consumer and passes it on', async () => {
  const dir = tempDir('arbor-pio-');
  writeFileSync(join(dir, 'f'), randomBytes(5000));
  const h = await open(join(dir, 'f'), 'r');
  try {
    let calls = 0;
    await assert.rejects(
      forEachChunk(h, { chunkBytes: 1000 }, () => {
        calls++;
        if (calls === 2) throw new Error('consumer failed');
      }),
      /consumer failed/,
    );
    assert.equal(calls, 2);
  } finally {
    await h.close();
  }
});

test('copyChunks copies a file larger than one chunk byte-exact and hashes exactly those bytes', async () => {
  const dir = tempDir('arbor-pio-');
  // Big enough to cross a background fdatasync, with an odd tail.
  const data = randomBytes(BACKGROUND_SYNC_BYTES + PIPELINE_CHUNK_BYTES + 777);
  writeFileSync(join(dir, 'src'), data);
  const from = await open(join(dir, 'src'), 'r');
  const to = await open(join(dir, 'dst'), 'w');
  const hash = createHash('sha256');
  const progress: number[] = [];
  try {
    const end = await copyChunks({ from, to, hasher: hash, written: (e) => progress.push(e) });
    assert.equal(end, data.length);
  } finally {
    await to.close();
    await from.close();
  }
  assert.ok(readFileSync(join(dir, 'dst')).equals(data));
  assert.equal(hash.digest('hex'), sha256(data));
  assert.equal(progress.at(-1), data.length);
  assert.deepEqual(progress, [...progress].sort((a, b) => a - b), 'progress only grows');
});

test('copyChunks resumes at an offset, and the hasher sees what the throttle left in the chunk', async () => {
  const dir = tempDir('arbor-pio-');
  const data = randomBytes(3 * 4096 + 10);
  writeFileSync(join(dir, 'src'), data);
  writeFileSync(join(dir, 'dst'), data.subarray(0, 4096));
  const from = await open(join(dir, 'src'), 'r');
  const to = await open(join(dir, 'dst'), 'r+');
  const hash = createHash('sha256');
  let flipped = false;
  try {
    await copyChunks({
      from,
      to,
      start: 4096,
      hasher: hash,
      chunkBytes: 4096,
      throttle: async (chunk) => {
        if (!flipped) {
          chunk[0] = (chunk[0] ?? 0) ^ 0xff; // corruption on the way
          flipped = true;
        }
      },
    });
  } finally {
    await to.close();
    await from.close();
  }
  const got = readFileSync(join(dir, 'dst'));
  assert.equal(got.length, data.length);
  assert.ok(got.subarray(0, 4096).equals(data.subarray(0, 4096)), 'the existing prefix is kept');
  assert.notEqual(got[4096], data[4096], 'the corrupted byte was written');
  assert.equal(hash.digest('hex'), sha256(got.subarray(4096)), 'the hash covers the bytes written, corruption included');
});

test('copyChunks passes on a write error and leaves no read running', async () => {
  const dir = tempDir('arbor-pio-');
  writeFileSync(join(dir, 'src'), randomBytes(10_000));
  writeFileSync(join(dir, 'dst'), '');
  const from = await open(join(dir, 'src'), 'r');
  const to = await open(join(dir, 'dst'), 'r'); // not writable
  try {
    await assert.rejects(copyChunks({ from, to, chunkBytes: 1024 }), (err: NodeJS.ErrnoException) => err.code === 'EBADF');
  } finally {
    await to.close();
    await from.close();
  }
});

test('hashingWriter writes pieces in order, hashes exactly them, and passes on a failed write', async () => {
  const dir = tempDir('arbor-pio-');
  const pieces = [randomBytes(100), randomBytes(BACKGROUND_SYNC_BYTES + 7), randomBytes(3)];
  const out = await open(join(dir, 'out'), 'w');
  const hash = createHash('sha256');
  const w = hashingWriter(out, hash);
  for (const p of pieces) await w.write(p);
  await w.finish();
  await out.close();
  assert.equal(w.position, pieces.reduce((a, p) => a + p.length, 0));
  assert.ok(readFileSync(join(dir, 'out')).equals(Buffer.concat(pieces)));
  assert.equal(hash.digest('hex'), sha256(Buffer.concat(pieces)));
  const ro = await open(join(dir, 'out'), 'r');
  try {
    await assert.rejects(hashingWriter(ro, undefined).write(Buffer.from('x')), /EBADF/, 'a file opened read-only cannot be written');
  } finally {
    await ro.close();
  }
});
