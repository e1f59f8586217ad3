// Tests for variant file names (src/sync/variant.ts), against names git-annex 10.20230126 produced.
import '../helpers/env.js';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { longVariantPath, shortHash, variantName, variantPath } from '../../src/sync/variant.js';

// Each row: file, key, the variant name `git annex sync` gave that key's version of the file.
const observed: ReadonlyArray<readonly [string, string, string]> = [
  ['gone.txt', 'SHA256E-s8--7f8b1dfc466b6249f06cbe55c9174df2578e7754da793fded244ef5cba2a38f1.txt', 'gone.variant-7ed7.txt'],
  ['sub dir/my file.tar.gz', 'SHA256E-s2--c0cde77fa8fef97d476c10aad3d2d54fcc2f336140d073651c2dcccf1e379fd6.tar.gz', 'sub dir/my file.tar.variant-1784.gz'],
  ['.hidden', 'SHA256E-s10--493aea69fe1224223e60c379f96534b4b29f7c8dfdb33a905f6237c7db0035bc', '.variant-27e4.hidden'],
  ['README', 'SHA256E-s9--6fe754c7a40d3ba663780a6b0e62267b2e4cc4e600697d5d945ee2a42640bcc3', 'README.variant-8930'],
  ['d.x/noext', 'SHA256E-s12--3bd1070b0aa7340cfce12e700970e8be43e508d52b2ebb045e08c1d9200ba24a', 'd.x/noext.variant-0bdc'],
  ['foo.', 'SHA256E-s7--638433ce02b2b57bd97fc3a6870751f5bd2ba1dcb7728d986a3411e372b4f654', 'foo.variant-092f.'],
  ['..foo', 'SHA256E-s8--91090bdd2f7a7da1918da56f1cd0cd981253dffc69746308f512a388551fecb0', '..variant-56ff.foo'],
  ['gone.bin', 'SHA256E-s11--8fab15125d838e6e68628fc269c3c838f0357c187f4084e3678850f9a56f59b3.bin', 'gone.variant-2f6a.bin'],
  ['sp ace.mp3', 'SHA256E-s13--1c1ce1246b87621cba9ed83c8ac961058b3b1c27af3c90b9263f99ed8eeb8d96.mp3', 'sp ace.variant-7ec5.mp3'],
  ['d.x/é dir/ünï.tar.gz', 'SHA256E-s26--edce9c0288a6358faa40306b5725adf10d2f0d46e622d5e514813ae4d10d9db3.tar.gz', 'd.x/é dir/ünï.tar.variant-50ca.gz'],
  ['q.jpg', 'URL--http://x.invalid/a:1%&.jpg', 'q.variant-3e95.jpg'],
  // Already a variant: the whole key, escaped as a file name, replaces the short hash.
  [
    'p.variant-1234.jpg',
    'SHA256E-s21--458c9ef4a2dd58186aa7988d812a448ae31800bbb16042474e96d4c3d57bc504.jpg',
    'p.variant-1234.variant-SHA256E-s21--458c9ef4a2dd58186aa7988d812a448ae31800bbb16042474e96d4c3d57bc504.jpg.jpg',
  ],
  ['p.variant-1.jpg', 'URL--http://x.invalid/a:1%&.jpg', 'p.variant-1.variant-URL--http&c%%x.invalid%a&c1&s&a.jpg.jpg'],
  // The marker anywhere in the path counts, also in a directory name.
  [
    'v.variant-1/x.txt',
    'SHA256E-s20--313619918b2f0235fbcfcf427c3441de19bf6b276a423f8654a1d50dfd2aa30c.txt',
    'v.variant-1/x.variant-SHA256E-s20--313619918b2f0235fbcfcf427c3441de19bf6b276a423f8654a1d50dfd2aa30c.txt.txt',
  ],
];

test('variantPath gives the names git-annex gave the same files and keys', () => {
  for (const [file, key, expected] of observed) assert.equal(variantPath(file, key), expected, file);
});

test('variantName inserts before the last extension of the file name only', () => {
  assert.equal(variantName('a.b/c', 'x'), 'a.b/c.variant-x');
  assert.equal(variantName('a/b.tar.gz', 'x'), 'a/b.tar.variant-x.gz');
  assert.equal(variantName('x', 'y'), 'x.variant-y');
});

test('shortHash is the first four hex digits of the MD5 of the UTF-8 text', () => {
  assert.equal(shortHash(''), 'd41d');
  assert.equal(shortHash('SHA256E-s8--7f8b1dfc466b6249f06cbe55c9174df2578e7754da793fded244ef5cba2a38f1.txt'), '7ed7');
});

test('different keys give different variants of one file; the same key the same one', () => {
  const a = variantPath('doc.txt', 'SHA256E-s1--aa.txt');
  assert.notEqual(a, variantPath('doc.txt', 'SHA256E-s1--bb.txt'));
  assert.equal(a, variantPath('doc.txt', 'SHA256E-s1--aa.txt'));
});

test('longVariantPath always uses the escaped key', () => {
  assert.equal(longVariantPath('d/p.jpg', 'URL--http://h/x.jpg'), 'd/p.variant-URL--http&c%%h%x.jpg.jpg');
});

// The names a soak of three assistants editing the same files reached: a short-hash collision, then
// modify/delete conflicts between copies that had resolved it at different times, each nesting
// the whole key again until the name was longer than the file system takes ("File name too long"
// on every later merge).
const K1 = 'SHA256E-s289514--b6eb0606b9e9bbb6f0f15e4c19c4d37622fb619aa2e4327048457d3771f0de1f.bin';
const K2 = 'SHA256E-s261694--24b834e8fa5062bb8abf5d87930fef849059026106fde34fef92ec4a76d540da.bin';

test('a version whose name already names its key as the variant keeps that name when it conflicts again', () => {
  const once = variantPath('shared/b1.variant-455e.bin', K2);
  assert.equal(once, `shared/b1.variant-455e.variant-${K2}.bin`);
  assert.equal(variantPath(once, K2), once, 'not renamed after itself');
  assert.notEqual(variantPath(once, K1), once, 'another key still gets its own variant');
});

test('a variant name never grows past 255 bytes: earlier tags go, then the whole key, then the stem', () => {
  let path = 'shared/b1.variant-455e.bin';
  for (let i = 0; i < 6; i++) {
    path = variantPath(path, i % 2 ? K1 : K2);
    const name = path.slice(path.lastIndexOf('/') + 1);
    assert.ok(Buffer.byteLength(name) <= 255, `${name.length} bytes: ${name}`);
    assert.ok(path.startsWith('shared/b1.variant-') && path.endsWith('.bin'), path);
  }
  const K3 = K1.replace('s289514', 's1');
  const deep = `shared/b1.variant-455e.variant-${K1}.bin.variant-${K2}.bin.bin`;
  assert.equal(variantPath(deep, K3), `shared/b1.variant-${K3}.bin`, 'the tags before are dropped, the whole key kept');
  const longStem = `${'ü'.repeat(100)}.bin`; // 203 bytes: the whole key does not fit, the short hash does
  assert.equal(variantPath(longStem, K1), `${'ü'.repeat(100)}.variant-${variantPath('x.bin', K1).slice('x.variant-'.length, -'.bin'.length)}.bin`);
  const huge = variantPath(`${'x'.repeat(250)}.bin`, K1);
  assert.equal(Buffer.byteLength(huge), 255);
  assert.ok(huge.endsWith('.bin') && huge.includes('.variant-'), huge);
  assert.equal(longVariantPath(`d/${'y'.repeat(200)}.bin`, K1).length <= 257, true);
});
