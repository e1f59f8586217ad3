// The filter protocol end to end: real git runs a filter process built on serveFilterProcess.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeSpawner } from '../../src/util/spawn.js';
import { ARBOR_ROOT } from '../helpers/env.js';
import { tempDir } from '../helpers/tmp.js';
import { initRepo, ok } from './fixtures/repo.js';

const FILTER_SCRIPT = join(ARBOR_ROOT, 'test', 'git', 'fixtures', 'case-filter.ts');
const BIG = 40 * 1024 * 1024;

/** Quotes a word for the shell git runs filter commands with. */
const sq = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** A repository whose *.txt files go through the case filter; returns it and the stats file. */
async function filteredRepo(): Promise<{ dir: string; stats: string }> {
  const dir = await initRepo();
  const stats = join(tempDir(), 'stats');
  // A small young generation keeps garbage from hiding (or imitating) buffering in the RSS figure.
  const cmd = [process.execPath, '--max-semi-space-size=1', '--import', import.meta.resolve('tsx'), FILTER_SCRIPT, stats].map(sq).join(' ');
  await ok('git', ['config', 'filter.test.process', cmd], { cwd: dir });
  writeFileSync(join(dir, '.gitattributes'), '*.txt filter=test\n');
  return { dir, stats };
}

/** Peak RSS (bytes) of each filter process so far, in order. */
function peaks(stats: string): number[] {
  return readFileSync(stats, 'utf8').trim().split('\n').map((l) => Number(l) * 1024);
}

/** The blob id git gives `content`. */
function blobSha(content: Buffer): string {
  return createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
}

test('clean upper-cases on add, smudge restores on checkout, and a large file streams through', async () => {
  const { dir, stats } = await filteredRepo();
  writeFileSync(join(dir, 'small.txt'), 'hello world\n');
  await ok('git', ['add', 'small.txt', '.gitattributes'], { cwd: dir });
  assert.equal(await ok('git', ['cat-file', 'blob', ':small.txt'], { cwd: dir }), 'HELLO WORLD\n');

  const line = Buffer.from('the quick brown fox jumps over the lazy dog 0123456789\n');
  const big = Buffer.alloc(BIG);
  for (let i = 0; i < BIG; i += line.length) line.copy(big, i);
  writeFileSync(join(dir, 'big.txt'), big);
  await ok('git', ['add', 'big.txt'], { cwd: dir });
  const upper = Buffer.from(big.toString('latin1').toUpperCase(), 'latin1');
  assert.equal((await ok('git', ['rev-parse', ':big.txt'], { cwd: dir })).trim(), blobSha(upper));
  await ok('git', ['commit', '-q', '-m', 'filtered'], { cwd: dir });

  rmSync(join(dir, 'small.txt'));
  rmSync(join(dir, 'big.txt'));
  await ok('git', ['checkout', '--', '.'], { cwd: dir });
  assert.equal(readFileSync(join(dir, 'small.txt'), 'utf8'), 'hello world\n');
  assert.ok(readFileSync(join(dir, 'big.txt')).equals(big));
  assert.equal((await ok('git', ['status', '--porcelain'], { cwd: dir })).trim(), '');

  // One filter process per git command: small add, big add, checkout. Holding the file in memory
  // would add at least its size to the peak over the small-file run.
  const [small, add, checkout] = peaks(stats);
  assert.ok(small !== undefined && add !== undefined && checkout !== undefined);
  assert.ok(add - small < BIG, `clean peak grew by ${add - small} bytes for a ${BIG}-byte file`);
  assert.ok(checkout - small < BIG, `smudge peak grew by ${checkout - small} bytes for a ${BIG}-byte file`);
});

test('a handler error fails that file only; with filter.<driver>.required git reports it', async () => {
  const { dir, stats } = await filteredRepo();
  writeFileSync(join(dir, 'good1.txt'), 'one\n');
  writeFileSync(join(dir, 'fail.txt'), 'bad\n');
  writeFileSync(join(dir, 'good2.txt'), 'two\n');
  const r = await nodeSpawner.run('git', ['add', 'good1.txt', 'fail.txt', 'good2.txt'], { cwd: dir });
  assert.equal(r.code, 0);
  assert.match(r.stderr, /case-filter: fail\.txt: Error: refusing fail\.txt/);
  assert.equal(await ok('git', ['cat-file', 'blob', ':good1.txt'], { cwd: dir }), 'ONE\n');
  assert.equal(await ok('git', ['cat-file', 'blob', ':fail.txt'], { cwd: dir }), 'bad\n'); // git keeps the unfiltered file
  assert.equal(await ok('git', ['cat-file', 'blob', ':good2.txt'], { cwd: dir }), 'TWO\n'); // same process, after the error
  assert.equal(peaks(stats).length, 1);

  writeFileSync(join(dir, 'fail2.txt'), 'bad\n');
  const required = await nodeSpawner.run('git', ['-c', 'filter.test.required=true', 'add', 'fail2.txt'], { cwd: dir });
  assert.notEqual(required.code, 0);
  assert.match(required.stderr, /fail2\.txt: clean filter 'test' failed/);
});
