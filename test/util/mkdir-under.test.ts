// Directories inside a repository are made without ever making the repository itself (a drive pulled out, a repository moved away mid-transfer).
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { mkdirUnder } from '../../src/util/mkdir-under.js';
import { tempDir } from '../helpers/tmp.js';

test('missing parents inside the repository are made; an existing directory is left as it is', async () => {
  const repo = tempDir('arbor-mkdir-');
  assert.equal(await mkdirUnder(repo, join(repo, 'annex', 'objects', 'ab')), join(repo, 'annex'), 'the first directory made');
  assert.ok(existsSync(join(repo, 'annex', 'objects', 'ab')));
  assert.equal(await mkdirUnder(repo, join(repo, 'annex', 'objects', 'ab')), undefined);
});

test('a repository that went away is not made afresh at its old path: ENOENT, nothing written', async () => {
  const parent = tempDir('arbor-mkdir-');
  const repo = join(parent, 'flap.git');
  mkdirSync(repo);
  renameSync(repo, `${repo}.away`);
  await assert.rejects(mkdirUnder(repo, join(repo, 'annex', 'tmp')), { code: 'ENOENT' });
  assert.equal(existsSync(repo), false, 'no empty repository tree left at the old path');
});

test('a path outside the root is refused', async () => {
  const repo = tempDir('arbor-mkdir-');
  await assert.rejects(mkdirUnder(repo, join(repo, '..', 'elsewhere')), /is not inside/);
});
