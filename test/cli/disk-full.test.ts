// A full disk during ingest or download: a one-line error, no partial object, the original intact.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runArbor } from '../helpers/run.js';
import { git, makeRepo } from '../helpers/repo.js';
import { arbor } from '../helpers/arbor.js';
import { mountTmpfs, needsRoot } from '../helpers/mount.js';

const CONTENT = Buffer.alloc(1_200_000, 5);

test('unlocked add on a full disk fails clearly and keeps the file', needsRoot, async () => {
  const fs = mountTmpfs('2m');
  const repo = await makeRepo({ parent: fs, name: 'r' });
  await arbor(repo, 'init');
  writeFileSync(join(repo, 'big.bin'), CONTENT);
  const r = await runArbor(['add', '--unlocked', 'big.bin'], { cwd: repo });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /No space left|disk full/i);
  assert.deepEqual(readFileSync(join(repo, 'big.bin')), CONTENT, 'original intact');
  const objects = join(repo, '.git/annex/objects');
  const files = existsSync(objects) ? (readdirSync(objects, { recursive: true }) as string[]).filter((p) => p.split('/').length === 4) : [];
  assert.deepEqual(files, [], 'no object at a final path');
});

test('get onto a full disk fails with one line and leaves no object at the final path', needsRoot, async () => {
  const src = await makeRepo({ name: 'src' });
  await arbor(src, 'init');
  writeFileSync(join(src, 'big.bin'), CONTENT);
  await arbor(src, 'add', 'big.bin');
  await git(src, 'commit', '-q', '-m', 'big');
  const fs = mountTmpfs('1m');
  await git(fs, 'clone', '-q', src, 'dst');
  const dst = join(fs, 'dst');
  await arbor(dst, 'init');
  const r = await runArbor(['get', 'big.bin'], { cwd: dst });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /No space left|disk full/i);
  assert.equal(existsSync(join(dst, 'big.bin')), false, 'the link still dangles: no partial content behind it');
});
