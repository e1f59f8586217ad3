// Unlocked files are replaced (populated after a get, turned back into pointers before a drop) only while they are the file looked at.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renameIfUnchanged } from '../../src/content/worktree.js';
import { tempDir } from '../helpers/tmp.js';

test('a file deleted, rewritten or replaced while its new content was copied is left as the user left it', async () => {
  const dir = tempDir();
  const dest = join(dir, 'photo.jpg');
  const tmp = (): string => {
    const t = join(dir, `.arbor-${Math.random().toString(16).slice(2)}.tmp`);
    writeFileSync(t, 'content from the annex');
    return t;
  };

  writeFileSync(dest, '/annex/objects/KEY\n');
  const seen = lstatSync(dest);
  assert.equal(await renameIfUnchanged(tmp(), dest, seen), true, 'untouched: replaced');
  assert.equal(readFileSync(dest, 'utf8'), 'content from the annex');

  // Deleted meanwhile (by the user, or by a merge that removed it): never re-created.
  writeFileSync(dest, '/annex/objects/KEY\n');
  const beforeDelete = lstatSync(dest);
  rmSync(dest);
  const t1 = tmp();
  assert.equal(await renameIfUnchanged(t1, dest, beforeDelete), false);
  assert.equal(existsSync(dest), false, 'a deleted file stays deleted');
  assert.equal(existsSync(t1), false, 'the temporary copy is removed');

  // Rewritten in place meanwhile (same inode, new bytes): the user's bytes stay.
  writeFileSync(dest, '/annex/objects/KEY\n');
  const beforeWrite = lstatSync(dest);
  writeFileSync(dest, 'the user wrote this, longer than before');
  assert.equal(await renameIfUnchanged(tmp(), dest, beforeWrite), false);
  assert.equal(readFileSync(dest, 'utf8'), 'the user wrote this, longer than before');

  // Replaced by another file meanwhile (an editor's save-by-rename): the user's file stays.
  writeFileSync(dest, '/annex/objects/KEY\n');
  const beforeReplace = lstatSync(dest);
  const saved = join(dir, 'photo.jpg.save');
  writeFileSync(saved, '/annex/objects/KEY\n');
  renameSync(saved, dest);
  assert.equal(await renameIfUnchanged(tmp(), dest, beforeReplace), false);
  assert.equal(readFileSync(dest, 'utf8'), '/annex/objects/KEY\n');
});
