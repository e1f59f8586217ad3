// Tests for loading annex.largefiles from git config / gitattributes and deciding per file (real git, no git-annex).
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { ok } from '../helpers/run.js';
import { nodeSpawner, SpawnError } from '../../src/util/spawn.js';
import type { Spawner } from '../../src/util/spawn.js';
import { BadLargeFilesError, DEFAULT_LARGEFILES, loadLargeFilesRules } from '../../src/annex/largefiles.js';
import type { LargeFilesRules, LoadLargeFilesOptions } from '../../src/annex/largefiles.js';
import { parseMatchExpression } from '../../src/annex/matcher.js';

async function repo(opts: { attributes?: string; config?: string } = {}): Promise<string> {
  const dir = tempDir('arbor-largefiles-');
  await ok('git', ['init', '-q', dir]);
  if (opts.attributes !== undefined) await writeFile(join(dir, '.gitattributes'), opts.attributes);
  if (opts.config !== undefined) await ok('git', ['config', 'annex.largefiles', opts.config], { cwd: dir });
  return dir;
}

/** Writes files and returns the decision for each, closing the rules afterwards. */
async function decide(dir: string, files: Record<string, string | Buffer>, opts: Partial<LoadLargeFilesOptions> = {}): Promise<Record<string, boolean>> {
  const rules: LargeFilesRules = await loadLargeFilesRules({ workTree: dir, ...opts });
  const out: Record<string, boolean> = {};
  try {
    for (const [path, content] of Object.entries(files)) {
      const absolutePath = join(dir, path);
      await mkdir(dirname(absolutePath), { recursive: true });
      await writeFile(absolutePath, content);
      out[path] = await rules.isLarge({ path, size: Buffer.byteLength(content), absolutePath });
    }
  } finally {
    await rules.close();
  }
  return out;
}

const SAMPLES = {
  'notes.txt': 'small text\n',
  'photo.jpg': Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46]),
  'big.csv': 'a,b\n'.repeat(30_000),
  'empty': '',
  'x': 'y',
};

test('DEFAULT_LARGEFILES keeps small text in git and sends binary or large files to the annex', async () => {
  const dir = await repo({ attributes: `* annex.largefiles=${DEFAULT_LARGEFILES}\n` });
  assert.deepEqual(await decide(dir, SAMPLES), { 'notes.txt': false, 'photo.jpg': true, 'big.csv': true, 'empty': false, 'x': false });
  assert.ok(!/\s/.test(DEFAULT_LARGEFILES), 'a gitattribute value cannot contain whitespace');
  assert.equal(parseMatchExpression(DEFAULT_LARGEFILES).needsMime, true);
});

test('without any configuration every file is large', async () => {
  const dir = await repo();
  assert.ok(Object.values(await decide(dir, SAMPLES)).every((v) => v));
});

test('attributes apply per path; unspecified or empty falls back to the git-annex config value, else large', async () => {
  const attributes = '*.txt annex.largefiles=nothing\n*.csv annex.largefiles=largerthan=1MiB\n*.jpg !annex.largefiles\nx annex.largefiles=\n';
  const dir = await repo({ attributes });
  assert.deepEqual(await decide(dir, SAMPLES), { 'notes.txt': false, 'photo.jpg': true, 'big.csv': false, 'empty': true, 'x': true });
  assert.deepEqual(await decide(dir, SAMPLES, { globalLargeFiles: 'include=p*' }), {
    'notes.txt': false,
    'photo.jpg': true,
    'big.csv': false,
    'empty': false,
    'x': false,
  });
});

test('git config annex.largefiles overrides attributes, even when empty', async () => {
  const attributes = '* annex.largefiles=nothing\n';
  assert.deepEqual(await decide(await repo({ attributes, config: 'include=*.jpg or largerthan=100kb' }), SAMPLES), {
    'notes.txt': false,
    'photo.jpg': true,
    'big.csv': true,
    'empty': false,
    'x': false,
  });
  assert.ok(Object.values(await decide(await repo({ attributes, config: '' }), SAMPLES)).every((v) => v));
});

test('a bad expression is reported with where it came from', async () => {
  await assert.rejects(loadLargeFilesRules({ workTree: await repo({ config: 'largerthan=lots' }) }), (e: unknown) => {
    return e instanceof BadLargeFilesError && e.code === 'EBADLARGEFILES' && /in git config: .*bad size in "largerthan=lots"/.test(e.message);
  });
  const dir = await repo({ attributes: '*.bin annex.largefiles\n*.c annex.largefiles=include=*.c)AND(\n' });
  await assert.rejects(decide(dir, { 'a.bin': 'x' }), /bad annex.largefiles configuration in gitattributes: .*near "set"/);
  await assert.rejects(decide(dir, { 'a.c': 'x' }), /near "AND"/);
  await assert.rejects(decide(dir, { 'a.c': 'x' }, { globalLargeFiles: 'ok' }), BadLargeFilesError);
  await assert.rejects(decide(await repo(), { 'a': 'x' }, { globalLargeFiles: 'copies=2' }), /in git-annex config/);
});

test('mimetype= asks file(1) through the spawner, once per file and only when needed', async () => {
  const calls: string[] = [];
  const spawner: Spawner = {
    run(cmd, args, opts) {
      if (cmd !== 'file') return nodeSpawner.run(cmd, args, opts);
      calls.push(args[args.length - 1] ?? '');
      return Promise.resolve({ code: 0, stdout: Buffer.from('image/jpeg\n'), stderr: '' });
    },
    records: (cmd, args, opts) => nodeSpawner.records(cmd, args, opts),
  };
  const dir = await repo({ config: 'largerthan=100kb or mimetype=image/* or mimetype=video/*' });
  const got = await decide(dir, { 'a.jpg': 'tiny', 'big.csv': SAMPLES['big.csv'] }, { spawner });
  assert.deepEqual(got, { 'a.jpg': true, 'big.csv': true });
  assert.deepEqual(calls, [join(dir, 'a.jpg')]);
});

test('a missing file(1) is an error, not a silent "no match"', async () => {
  const spawner: Spawner = {
    run(cmd, args, opts) {
      if (cmd === 'file') return Promise.reject(new SpawnError('file', Object.assign(new Error('spawn file ENOENT'), { code: 'ENOENT' })));
      return nodeSpawner.run(cmd, args, opts);
    },
    records: (cmd, args, opts) => nodeSpawner.records(cmd, args, opts),
  };
  const dir = await repo({ config: 'mimetype=image/*' });
  await assert.rejects(decide(dir, { 'a.jpg': 'x' }, { spawner }), { code: 'ESPAWN' });
});

test('a git config that git cannot read is an error, not "unset"', async () => {
  const dir = await repo();
  await writeFile(join(dir, '.git', 'config'), '[core\nthis is not a config file\n');
  await assert.rejects(loadLargeFilesRules({ workTree: dir }), { code: 'EGIT' });
});
