// Interop: arbor's keys, hash directories and object paths against the real git-annex (calckey, examinekey).
import '../helpers/env.js';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { keyForFile } from '../../src/annex/backend.js';
import { hashDirLower, hashDirMixed } from '../../src/annex/dir-hashes.js';
import type { Key } from '../../src/annex/key.js';
import { formatKey, requireKey } from '../../src/annex/key.js';
import { objectPath } from '../../src/annex/locations.js';
import { needsGitAnnex } from '../helpers/git-annex.js';
import { ok } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';
import { prng } from '../helpers/prng.js';

const COUNT = 1000;
const FILES_DIR = 'f';


const STEMS = [
  'photo', 'IMG 1234', 'résumé', '日本語のファイル', 'emoji 😀🎉', 'UPPER CASE', 'a', 'x-y_z', 'v1.2.3',
  'file  with spaces', 'ünï', 'Ωmega≈', 'tab\there', 'comma,name', 'amp&per%cent:colon', 'ĉu', '😀',
];
const EXTS = [
  'txt', 'JPG', 'jpeg', 'JPEG5', 'tar.gz', 'tar.xz', 'c++', 'ünï', 'é', 'éé', '日本', '日', '😀', 'mp3 ', 'verylongext',
  'a', 'ab', 'abc', 'abcd', 'abcde', 'x-y', '1', 'Ab1', 'tgz.mp4.jpeg', '', '.', 'a..b', 'b c', 'MKV', 'ü', 'v2',
];

/** 1,000 distinct file names covering the extension rules' corner cases (all ≤ 250 UTF-8 bytes). */
function generateNames(): string[] {
  const rand = prng(20230126);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const names = new Set<string>();
  for (let i = 0; names.size < COUNT; i++) {
    let stem = `${pick(STEMS)}${i}`;
    if (rand() < 0.08) stem = stem.repeat(Math.ceil(200 / Buffer.byteLength(stem)));
    const prefix = rand() < 0.15 ? pick(['.', '..', '...']) : '';
    const exts = Array.from({ length: Math.floor(rand() * 4) }, () => pick(EXTS));
    const trailer = rand() < 0.1 ? pick(['.', '..', ' ', '. ']) : '';
    let name = [prefix + stem, ...exts].join('.') + trailer;
    if (rand() < 0.1) name = name.toUpperCase();
    while (Buffer.byteLength(name) > 250) name = [...name].slice(1).join('');
    if (name.includes('/') || name === '.' || name === '..') continue;
    names.add(name);
  }
  return [...names];
}

interface Fixture {
  readonly repo: string;
  readonly names: readonly string[];
}

let fixture: Promise<Fixture> | undefined;

/** A git-annex repository with the 1,000 files under f/ (built once). */
function setup(): Promise<Fixture> {
  fixture ??= (async () => {
    const repo = tempDir('arbor-keys-interop-');
    await ok('git', ['init', '-q'], { cwd: repo });
    await ok('git', ['annex', 'init', '-q', 'keys-interop'], { cwd: repo });
    await mkdir(join(repo, FILES_DIR));
    const names = generateNames();
    await Promise.all(
      names.map((name, i) => writeFile(join(repo, FILES_DIR, name), `${i}:${name}\n`.repeat(1 + (i % 5)))),
    );
    return { repo, names };
  })();
  return fixture;
}

/** Keys from `git annex calckey --batch -z`, one per input path (empty string when it failed). */
async function calckey(repo: string, paths: readonly string[], backend?: string): Promise<string[]> {
  const args = ['annex', 'calckey', '--batch', '-z', ...(backend === undefined ? [] : [`--backend=${backend}`])];
  const out = await ok('git', args, { cwd: repo, input: paths.map((p) => `${p}\0`).join('') });
  return out.split('\n').slice(0, paths.length);
}

/** Runs up to `limit` promises at a time, keeping order. */
async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return out;
}

test('the generated names cover the interesting cases', () => {
  const names = generateNames();
  assert.equal(names.length, COUNT);
  assert.deepEqual(generateNames(), names, 'deterministic');
  const has = (re: RegExp): boolean => names.some((n) => re.test(n));
  for (const re of [/ /, /é/, /日本/, /😀/, /^\./, /\.$/, /\.tar\.gz/, /[A-Z]{4}/, /\.[^.]{5,}$/, /c\+\+/, /\t/]) {
    assert.ok(has(re), String(re));
  }
  assert.ok(names.some((n) => Buffer.byteLength(n) > 180), 'long names');
});

test('SHA256E keys of 1,000 files match git annex calckey', needsGitAnnex, async () => {
  const { repo, names } = await setup();
  const paths = names.map((n) => `${FILES_DIR}/${n}`);
  const expected = await calckey(repo, paths);
  const actual = await mapLimited(paths, 8, async (p) => formatKey(await keyForFile(join(repo, p))));
  const mismatches = names.flatMap((n, i) => (actual[i] === expected[i] ? [] : [`${JSON.stringify(n)}: arbor ${actual[i]} git-annex ${expected[i]}`]));
  assert.deepEqual(mismatches, []);
  assert.ok(expected.every((k) => k.startsWith('SHA256E-s')));
});

test('object paths and hash directories match git annex examinekey', needsGitAnnex, async () => {
  const { repo, names } = await setup();
  const fileKeys = await calckey(repo, names.map((n) => `${FILES_DIR}/${n}`));
  const extra = [
    'URL--http://example.com/a%b&c:d',
    'SHA256E-s100-S10-C3--5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03.txt',
    'WORM-s3-m1700000000--sub,32dir/hello,32world.txt',
    'WORM-s1-m1--a%b,38c:d&e',
    'MD5E-s0--d41d8cd98f00b204e9800998ecf8427e.日本',
  ];
  const keys: Key[] = [...fileKeys, ...extra].map(requireKey);
  const format = '${objectpath}\t${hashdirlower}\t${hashdirmixed}\n';
  const out = await ok('git', ['annex', 'examinekey', '--batch', `--format=${format}`], {
    cwd: repo,
    input: keys.map((k) => `${formatKey(k)}\n`).join(''),
  });
  const lines = out.split('\n').slice(0, keys.length);
  const mismatches = keys.flatMap((key, i) => {
    const mine = `.git/${objectPath(key, 'mixed')}\t${hashDirLower(key)}\t${hashDirMixed(key)}`;
    return mine === lines[i] ? [] : [`${formatKey(key)}: arbor ${mine} git-annex ${lines[i]}`];
  });
  assert.deepEqual(mismatches, []);
});

test('other backends match git annex calckey --backend', needsGitAnnex, async () => {
  const { repo, names } = await setup();
  const sample = names.filter((_, i) => i % 50 === 0).map((n) => `${FILES_DIR}/${n}`);
  for (const backend of ['SHA256', 'SHA512E', 'MD5E', 'SHA1', 'SHA384E', 'SHA224', 'SHA3_256E', 'BLAKE2B512E', 'BLAKE2S256', 'WORM']) {
    const expected = await calckey(repo, sample, backend);
    const actual = await Promise.all(
      sample.map(async (p) => formatKey(await keyForFile(join(repo, p), { backend, relativePath: p }))),
    );
    assert.deepEqual(actual, expected, backend);
  }
});
