// Tests for backends, extension selection, hashing and content verification (src/annex/backend.ts).
import '../helpers/env.js';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DEFAULT_BACKEND,
  createHasher,
  getBackend,
  hashFile,
  keyForFile,
  keyFromDigest,
  listBackends,
  selectExtension,
  verifyKeyContent,
  wormKeyName,
} from '../../src/annex/backend.js';
import { formatKey, requireKey } from '../../src/annex/key.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('arbor-backend-');
function file(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, content);
  return path;
}

test('extension table of reference 1.2 (verified with git annex calckey)', () => {
  const table: Array<[string, string, number?]> = [
    ['foo.tar.gz', '.tar.gz'],
    ['v1.2.3.tar.xz', '.tar.xz'],
    ['foo.a.b.c', '.b.c'],
    ['my.photo.jpeg', '.jpeg'],
    ['my.photo.jpeg', '.photo.jpeg', 5],
    ['x.JPEG5', ''],
    ['x.JPEG5', '.JPEG5', 5],
    ['IMG 1.2.JPG', '.2.JPG'],
    ['a.b-c.d', '.d'],
    ['a.tar.c++.gz', '.tar.gz'],
    ['x.mp3 ', ''],
    ['foo.c++', ''],
    ['foo.ünï', ''],
    ['.bashrc', ''],
    ['noext', ''],
    ['..foo.txt', '.txt'],
    ['a.b.jpeg.', '.jpeg'],
    ['foo.tgz.mp4.jpeg', '.mp4.jpeg'],
    ['file.verylongext', ''],
    ['weird.ext with space', ''],
    // more, also checked against git annex calckey
    ['.foo', ''],
    ['.a.b', '.b'],
    ['.x.y.z', '.y.z'],
    ['a..b', '.b'],
    ['...', ''],
    ['é.é', '.é'],
    ['x.日本', ''],
    ['a.tar.gz.', '.gz'],
    ['f.ab,c', ''],
    ['y.Ab1', '.Ab1'],
    ['a b.c d.e', '.e'],
    ['dir.d/file', ''],
    ['dir.d/.foo', ''],
    ['a/b/photo.jpeg', '.jpeg'],
  ];
  for (const [name, ext, max] of table) {
    assert.equal(selectExtension(name, max), ext, `${name} (max ${max ?? 4})`);
  }
});

test('the worked examples of reference 1.5 give the same keys as git-annex', async () => {
  assert.equal(formatKey(await keyForFile(file('hello.txt', 'hello\n'))), 'SHA256E-s6--5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03.txt');
  assert.equal(formatKey(await keyForFile(file('empty', ''))), 'SHA256E-s0--e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(
    formatKey(await keyForFile(file('arch.tar.gz', 'tar'))),
    'SHA256E-s3--90aebae315675cbf04612de4f7d5874850f48e0b8dd82becbeaa47ca93f5ebfb.tar.gz',
  );
  assert.equal(
    formatKey(await keyForFile(file('a/b/photo.jpeg', 'x'))),
    'SHA256E-s1--2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881.jpeg',
  );
});

test('fileName decides the extension, not the path that is read', async () => {
  const path = file('tmp-ingest-1234', 'hello\n');
  const key = await keyForFile(path, { fileName: 'docs/report.pdf' });
  assert.equal(key.name, '5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03.pdf');
  const long = await keyForFile(path, { fileName: 'x.JPEG5', maxExtensionLength: 5 });
  assert.ok(long.name.endsWith('.JPEG5'));
});

test('other backends hash like git-annex (digests from git annex calckey of "hello\\n")', async () => {
  const path = file('h.txt', 'hello\n');
  const expected: Record<string, string> = {
    SHA256: 'SHA256-s6--5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03',
    SHA3_256E: 'SHA3_256E-s6--b314e28493eae9dab57ac4f0c6d887bddbbeb810e900d818395ace558e96516d.txt',
    SHA224E: 'SHA224E-s6--2d6d67d91d0badcdd06cbbba1fe11538a68a37ec9c2e26457ceff12b.txt',
    SHA384: 'SHA384-s6--1d0f284efe3edea4b9ca3bd514fa134b17eae361ccc7a1eefeff801b9bd6604e01f21f6bf249ef030599f0c218f2ba8c',
    SHA1E: 'SHA1E-s6--f572d396fae9206628714fb2ce00f72e94f2258f.txt',
    MD5: 'MD5-s6--b1946ac92492d2347c6235b4d2611184',
    BLAKE2S256: 'BLAKE2S256-s6--3969b3926654065966b6f8d9a65789b0f76d56e1e2ab67dd94faa770959187ca',
    BLAKE2B512E:
      'BLAKE2B512E-s6--f60ce482e5cc1229f39d71313171a8d9f4ca3a87d066bf4b205effb528192a75f14f3271e2c1a90e1de53f275b4d4793eef2f5e31ea90d2ce29d2e481c36435f.txt',
  };
  for (const [backend, key] of Object.entries(expected)) {
    assert.equal(formatKey(await keyForFile(path, { backend })), key, backend);
  }
});

test('the backend registry has the required backends and the SHA256E default', () => {
  assert.equal(DEFAULT_BACKEND, 'SHA256E');
  for (const name of ['SHA256E', 'SHA256', 'SHA512', 'SHA512E', 'SHA384', 'SHA384E', 'SHA224', 'SHA224E', 'SHA1', 'SHA1E', 'MD5', 'MD5E', 'WORM']) {
    const b = getBackend(name);
    assert.ok(b, name);
    assert.equal(b.name, name);
    assert.equal(b.withExtension, name.endsWith('E'));
    if (name === 'WORM') assert.equal(b.algorithm, undefined);
    else assert.doesNotThrow(() => createHash(b.algorithm ?? 'none'));
  }
  assert.equal(getBackend('sha256e'), undefined);
  assert.equal(getBackend('URL'), undefined);
  assert.ok(listBackends().length >= 13);
});

test('WORM keys: size, whole-second mtime and the escaped relative path', async () => {
  const path = file('sub dir/hello world.txt', 'abc');
  utimesSync(path, 1700000000.75, 1700000000.75);
  const key = await keyForFile(path, { backend: 'WORM', relativePath: 'sub dir/hello world.txt' });
  // git annex calckey --backend=WORM printed exactly this for the same file
  assert.equal(formatKey(key), 'WORM-s3-m1700000000--sub,32dir/hello,32world.txt');
  const byName = await keyForFile(path, { backend: 'WORM' });
  assert.equal(byName.name, 'hello,32world.txt');
});

test('WORM key names match git-annex for special characters and long paths', () => {
  assert.equal(wormKeyName('é 日😀,x.txt'), ',233,32,26085,128512,,x.txt');
  assert.equal(wormKeyName('a%b&c:d.txt'), 'a%b,38c:d.txt');
  assert.equal(wormKeyName(`${'a'.repeat(60)}.txt`), `${'a'.repeat(60)}.txt`); // 64 bytes: kept
  assert.equal(wormKeyName(`${'a'.repeat(61)}.txt`), `${'a'.repeat(31)}-c2b5889733f02e7584620aff48a6109b`);
  assert.equal(wormKeyName(`${'é'.repeat(20)}.txt`), `${',233'.repeat(20)}.txt`); // 44 bytes: kept even though escaping makes it longer
  assert.equal(wormKeyName(`${'é'.repeat(40)}.txt`), `${',233'.repeat(7)},23-7bb15564535c714f0710e11a025b16ac`);
});

test('keyFromDigest and createHasher allow streaming ingest', () => {
  const data = randomBytes(3 * 1024 * 1024 + 7);
  const hasher = createHasher('SHA256E');
  for (let off = 0; off < data.length; off += 100_000) hasher.update(data.subarray(off, off + 100_000));
  const digestHex = hasher.digestHex();
  assert.equal(digestHex, createHash('sha256').update(data).digest('hex'));
  const key = keyFromDigest({ backend: 'SHA256E', digestHex, size: data.length, fileName: 'movie.mkv' });
  assert.equal(formatKey(key), `SHA256E-s${data.length}--${digestHex}.mkv`);
  assert.equal(keyFromDigest({ backend: 'MD5', digestHex: 'ab', size: 1, fileName: 'x.txt' }).name, 'ab');
  assert.throws(() => keyFromDigest({ backend: 'WORM', digestHex: 'ab', size: 1, fileName: 'x' }), { code: 'EBACKEND' });
  assert.throws(() => createHasher('NOPE'), { code: 'EBACKEND' });
});

test('hashFile streams files larger than one chunk and reports the size', async () => {
  const data = randomBytes(2 * 1024 * 1024 + 3);
  const path = file('big.bin', data);
  const r = await hashFile(path, 'sha512');
  assert.deepEqual(r, { digestHex: createHash('sha512').update(data).digest('hex'), size: data.length });
});

test('verifyKeyContent accepts the right content and detects a flipped byte or a wrong size', async () => {
  const data = randomBytes(5000);
  const path = file('v/data.bin', data);
  const key = await keyForFile(path);
  assert.equal(await verifyKeyContent(key, path), true);

  const flipped = Buffer.from(data);
  flipped[2500] = (flipped[2500] ?? 0) ^ 0x01;
  const flippedPath = file('v/flipped.bin', flipped);
  assert.equal(await verifyKeyContent(key, flippedPath), false);

  const longer = file('v/longer.bin', data);
  appendFileSync(longer, 'x');
  assert.equal(await verifyKeyContent(key, longer), false);
  assert.equal(await verifyKeyContent({ ...key, size: 4999 }, path), false);

  // no size recorded: the checksum alone decides
  const { size: _size, ...sizeless } = key;
  assert.equal(await verifyKeyContent(sizeless, path), true);
  assert.equal(await verifyKeyContent(sizeless, flippedPath), false);

  // non-E key of the same content, and an MD5E key
  assert.equal(await verifyKeyContent(await keyForFile(path, { backend: 'SHA1' }), path), true);
  assert.equal(await verifyKeyContent(await keyForFile(path, { backend: 'MD5E' }), flippedPath), false);
});

test('verifyKeyContent checks only the size for WORM and URL keys, and throws on IO errors', async () => {
  const path = file('w/a.txt', 'abc');
  assert.equal(await verifyKeyContent(requireKey('WORM-s3-m1--a.txt'), path), true);
  assert.equal(await verifyKeyContent(requireKey('WORM-s4-m1--a.txt'), path), false);
  assert.equal(await verifyKeyContent(requireKey('URL-s3--http://x/y'), path), true);
  assert.equal(await verifyKeyContent(requireKey('URL--http://x/y'), path), true);
  await assert.rejects(verifyKeyContent(requireKey('WORM-s3-m1--a.txt'), join(dir, 'missing')), { code: 'ENOENT' });
  const key = await keyForFile(path);
  await assert.rejects(verifyKeyContent(key, join(dir, 'missing')), { code: 'ENOENT' });
  assert.equal(readFileSync(path, 'utf8'), 'abc');
});
