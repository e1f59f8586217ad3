// The object store: atomic ingest, read-only objects, both hash layouts, quarantine and removal.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ObjectStore } from '../../src/annex/object-store.js';
import { formatKey } from '../../src/annex/key.js';
import { objectPath } from '../../src/annex/locations.js';
import { PIPELINE_CHUNK_BYTES } from '../../src/annex/pipelined-io.js';
import { SyncBatch } from '../../src/annex/sync-batch.js';
import { tempDir } from '../helpers/tmp.js';

function store(bare = false): { s: ObjectStore; gitDir: string; dir: string } {
  const dir = tempDir('arbor-store-');
  const gitDir = bare ? dir : join(dir, '.git');
  mkdirSync(gitDir, { recursive: true }); // the store makes directories inside a git dir, never the git dir itself
  return { s: new ObjectStore({ gitDir, bare }), gitDir, dir };
}

test('copy ingest stores read-only content at the mixed-hash path and leaves the source', async () => {
  const { s, gitDir, dir } = store();
  writeFileSync(join(dir, 'hello.txt'), 'hello\n');
  const key = await s.ingest(join(dir, 'hello.txt'), { backend: 'SHA256E', fileName: 'hello.txt', mode: 'copy' });
  assert.equal(formatKey(key), 'SHA256E-s6--5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03.txt');
  const p = join(gitDir, objectPath(key, 'mixed'));
  assert.equal(p, join(gitDir, 'annex/objects/mK/4w', formatKey(key), formatKey(key)));
  assert.equal(readFileSync(p, 'utf8'), 'hello\n');
  assert.equal(statSync(p).mode & 0o777, 0o444, 'object is read-only');
  assert.equal(statSync(join(p, '..')).mode & 0o777, 0o555, 'object dir is read-only');
  assert.equal(readFileSync(join(dir, 'hello.txt'), 'utf8'), 'hello\n', 'source kept');
  assert.deepEqual(readdirSync(s.tmpDir), [], 'no temp files left');
  assert.equal(await s.verify(key), true);
});

test('link ingest (locked add) hashes a hard link and keeps the work-tree file until replaced', async () => {
  const { s, dir } = store();
  writeFileSync(join(dir, 'big.bin'), Buffer.alloc(3 << 20, 7));
  const key = await s.ingest(join(dir, 'big.bin'), { backend: 'SHA256E', fileName: 'big.bin', mode: 'link' });
  assert.ok(existsSync(join(dir, 'big.bin')), 'work-tree path still holds the file');
  assert.equal(statSync(join(dir, 'big.bin')).ino, statSync((await s.pathOf(key)) ?? '').ino, 'same inode, no copy');
});

test('bare repositories use hashdirlower; both layouts are read', async () => {
  const { s, gitDir, dir } = store(true);
  writeFileSync(join(dir, 'x'), 'tar');
  const key = await s.ingest(join(dir, 'x'), { backend: 'SHA256E', fileName: 'arch.tar.gz', mode: 'copy' });
  assert.ok(existsSync(join(gitDir, 'annex/objects/c98/60b', formatKey(key), formatKey(key))));
  const nonBare = new ObjectStore({ gitDir, bare: false });
  assert.ok(await nonBare.has(key), 'a non-bare reader finds lower-layout objects too');
});

test('a corrupt object is detected and quarantined; remove deletes it', async () => {
  const { s, gitDir, dir } = store();
  writeFileSync(join(dir, 'f'), 'content\n');
  const key = await s.ingest(join(dir, 'f'), { backend: 'SHA256E', fileName: 'f', mode: 'copy' });
  const p = (await s.pathOf(key)) ?? '';
  chmodSync(join(p, '..'), 0o755);
  chmodSync(p, 0o644);
  writeFileSync(p, 'cOntent\n');
  assert.equal(await s.verify(key), false);
  const bad = await s.quarantine(key);
  assert.ok(bad?.startsWith(join(gitDir, 'annex/bad')));
  assert.equal(await s.has(key), false);
  writeFileSync(join(dir, 'g'), 'other\n');
  const k2 = await s.ingest(join(dir, 'g'), { backend: 'SHA256E', fileName: 'g', mode: 'copy' });
  assert.equal(await s.remove(k2), true);
  assert.equal(await s.has(k2), false);
  assert.equal(await s.verify(k2), undefined);
});

test('a missing source fails with nothing left behind', async () => {
  const { s } = store();
  await assert.rejects(s.ingest('/nonexistent/file', { backend: 'SHA256E', fileName: 'file', mode: 'copy' }), /ENOENT/);
  assert.deepEqual(readdirSync(s.tmpDir), []);
});

test('files larger than one read buffer get the same key by link and by copy, and the copy is byte-exact', async () => {
  const { s, dir } = store();
  const data = randomBytes(2 * PIPELINE_CHUNK_BYTES + 999);
  const digest = createHash('sha256').update(data).digest('hex');
  writeFileSync(join(dir, 'a.bin'), data);
  writeFileSync(join(dir, 'b.bin'), data);
  const copied = await s.ingest(join(dir, 'a.bin'), { backend: 'SHA256E', fileName: 'a.bin', mode: 'copy' });
  assert.equal(formatKey(copied), `SHA256E-s${data.length}--${digest}.bin`);
  assert.ok(readFileSync((await s.pathOf(copied)) ?? '').equals(data));
  assert.equal(await s.remove(copied), true);
  const linked = await s.ingest(join(dir, 'b.bin'), { backend: 'SHA256E', fileName: 'b.bin', mode: 'link' });
  assert.equal(formatKey(linked), formatKey(copied));
  assert.deepEqual(readdirSync(s.tmpDir), []);
});

test('a failure between writing and the rename into place leaves no object and no temp file', async () => {
  const { s, gitDir, dir } = store();
  writeFileSync(join(dir, 'f.txt'), 'some content\n');
  const expected = { backend: 'SHA256E', size: 13, name: `${createHash('sha256').update('some content\n').digest('hex')}.txt` };
  // A plain file where the object's hash directory must go makes the move into place fail.
  const top = join(gitDir, objectPath(expected, 'mixed'), '..', '..', '..');
  mkdirSync(join(top, '..'), { recursive: true });
  writeFileSync(top, 'in the way');
  await assert.rejects(s.ingest(join(dir, 'f.txt'), { backend: 'SHA256E', fileName: 'f.txt', mode: 'copy' }));
  assert.equal(await s.has(expected), false);
  assert.deepEqual(readdirSync(s.tmpDir), []);
  assert.equal(readFileSync(join(dir, 'f.txt'), 'utf8'), 'some content\n', 'the source is untouched');
});

test('a small file stored by ingestSmall: the same key, object and read-only layout as ingest, fsyncs owed to the batch', async () => {
  const { s, gitDir, dir } = store();
  writeFileSync(join(dir, 'hello.txt'), 'hello\n');
  const syncs = new SyncBatch();
  const key = s.ingestSmall(join(dir, 'hello.txt'), { backend: 'SHA256E', fileName: 'hello.txt', syncs });
  assert.ok(key);
  assert.equal(formatKey(key), 'SHA256E-s6--5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03.txt');
  const p = join(gitDir, objectPath(key, 'mixed'));
  assert.equal(statSync(p).ino, statSync(join(dir, 'hello.txt')).ino, 'hard-linked: the work-tree file stays until it is replaced');
  assert.equal(statSync(p).mode & 0o777, 0o444, 'object is read-only');
  assert.equal(statSync(join(p, '..')).mode & 0o777, 0o555, 'object dir is read-only');
  assert.deepEqual(readdirSync(s.tmpDir), [], 'no temp files left');
  assert.equal(syncs.size, 2, 'the object and its directory are owed an fsync');
  // The same content under another name: already stored, nothing new owed, no temp file left.
  writeFileSync(join(dir, 'again.txt'), 'hello\n');
  const again = s.ingestSmall(join(dir, 'again.txt'), { backend: 'SHA256E', fileName: 'again.txt', syncs });
  assert.equal(again && formatKey(again), formatKey(key));
  assert.equal(syncs.size, 2);
  assert.deepEqual(readdirSync(s.tmpDir), []);
});

test('ingestSmall makes annex/tmp and hash directories again when another process removed them meanwhile', async () => {
  const { s, gitDir, dir } = store();
  const syncs = new SyncBatch();
  writeFileSync(join(dir, 'a'), 'first\n');
  const first = s.ingestSmall(join(dir, 'a'), { backend: 'SHA256E', fileName: 'a', syncs });
  assert.ok(first);
  // git-annex's drop (or a user) removes the object with its directories, and the temp directory.
  assert.equal(await new ObjectStore({ gitDir, bare: false }).remove(first), true);
  rmSync(join(gitDir, 'annex'), { recursive: true, force: true });
  writeFileSync(join(dir, 'b'), 'first\n');
  const second = s.ingestSmall(join(dir, 'b'), { backend: 'SHA256E', fileName: 'b', syncs });
  assert.ok(second);
  assert.equal(readFileSync(join(gitDir, objectPath(second, 'mixed')), 'utf8'), 'first\n');
});

test('ingestSmall of a file that vanished fails with ENOENT and leaves nothing behind', async () => {
  const { s, dir } = store();
  const syncs = new SyncBatch();
  writeFileSync(join(dir, 'seed'), 'x');
  assert.ok(s.ingestSmall(join(dir, 'seed'), { backend: 'SHA256E', fileName: 'seed', syncs }), 'annex/tmp exists');
  assert.throws(() => s.ingestSmall(join(dir, 'gone'), { backend: 'SHA256E', fileName: 'gone', syncs }), { code: 'ENOENT' });
  assert.deepEqual(readdirSync(s.tmpDir), []);
});
