// The chunker and block signature: cut points follow content, so an edit changes only the chunks around it, however the bytes arrive.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chunkLengths, DELTA_CHUNK_SIZES } from '../../../src/annex/delta/chunker.js';
import { chunkId, SignatureBuilder, signatureOf, type BlockSignature } from '../../../src/annex/delta/signature.js';
import { prng } from '../../helpers/prng.js';

function randomBytes(n: number, seed: number): Buffer {
  const rnd = prng(seed);
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i += 4) b.writeUInt32LE(Math.floor(rnd() * 4294967296), i);
  return b;
}

const DATA = randomBytes(4 << 20, 1);

function ids(sig: BlockSignature): string[] {
  return sig.lengths.map((_, i) => chunkId(sig, i));
}

test('chunks are within the size bounds, cover the data, and average near 8 KiB', () => {
  const lengths = chunkLengths(DATA);
  assert.equal(lengths.reduce((a, b) => a + b, 0), DATA.length);
  for (const l of lengths.slice(0, -1)) assert.ok(l >= DELTA_CHUNK_SIZES.min && l <= DELTA_CHUNK_SIZES.max, `chunk of ${l} bytes`);
  const avg = DATA.length / lengths.length;
  assert.ok(avg > 6 << 10 && avg < 12 << 10, `average ${avg}`);
});

test('the signature does not depend on how the bytes are split into reads', () => {
  const whole = signatureOf(DATA);
  const b = new SignatureBuilder();
  const rnd = prng(7);
  for (let pos = 0; pos < DATA.length; ) {
    const n = 1 + Math.floor(rnd() * 20_000);
    b.push(DATA.subarray(pos, pos + n));
    pos += n;
  }
  const pieces = b.finish();
  assert.deepEqual(pieces.lengths, whole.lengths);
  assert.ok(pieces.ids.equals(whole.ids));
  assert.deepEqual(pieces.runs, whole.runs);
});

test('an insertion near the start changes only the chunks and the run around it', () => {
  const edited = Buffer.concat([DATA.subarray(0, 100_000), randomBytes(4096, 2), DATA.subarray(100_000)]);
  const a = signatureOf(DATA);
  const b = signatureOf(edited);
  const before = new Set(ids(a));
  const fresh = ids(b).filter((id) => !before.has(id));
  assert.ok(fresh.length >= 1 && fresh.length <= 3, `${fresh.length} new chunks`);
  const runsBefore = new Set(a.runs.map((r) => r.id));
  const freshRuns = b.runs.filter((r) => !runsBefore.has(r.id));
  assert.equal(freshRuns.length, 1, 'one run changed');
  assert.equal(b.size, DATA.length + 4096);
});

test('runs tile the chunks and the object', () => {
  const sig = signatureOf(DATA);
  let next = 0;
  let offset = 0;
  for (const r of sig.runs) {
    assert.equal(r.first, next);
    assert.equal(r.offset, offset);
    next += r.count;
    offset += r.length;
  }
  assert.equal(next, sig.lengths.length);
  assert.equal(offset, DATA.length);
});
