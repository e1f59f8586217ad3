// The assistant drops what this repository no longer wants once enough copies are elsewhere, as git-annex's assistant does.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFiles } from '../helpers/repo.js';
import { arbor, hubAndClones } from '../helpers/arbor.js';
import { configureFastAssistant, eventually, startAssistant, stopAssistant } from '../helpers/assistant.js';
import { annex, annexRun } from '../helpers/annex-fixtures.js';
import { needsGitAnnex } from '../helpers/git-annex.js';

/** The files whose content is here, by git-annex's account. */
async function hereHas(dir: string): Promise<string[]> {
  return (await annex(dir, 'find', '--in=here', '--format=${file}\\n')).split('\n').filter(Boolean).sort();
}

test('the assistant sends an unwanted file on, then drops it here; wanted files and lone copies stay', needsGitAnnex, async () => {
  const { hub, clones: [a] } = await hubAndClones(['A']);
  assert.ok(a);
  await annex(hub, 'init', '-q', 'hub');
  await arbor(a, 'sync', '--content'); // learns the hub's uuid
  await arbor(a, 'wanted', 'here', 'exclude=archive/*');
  await arbor(a, 'wanted', 'origin', 'exclude=archive/private/*');
  await configureFastAssistant(a);
  await startAssistant(a);
  const old = Buffer.alloc(200_000, 1);
  try {
    writeFiles(a, { 'keep.bin': Buffer.alloc(200_000, 2), 'archive/old.bin': old, 'archive/private/diary.bin': Buffer.alloc(200_000, 3) });
    await eventually(
      'archive/old.bin is on the hub and gone from here',
      async () => {
        const key = (await annex(a, 'lookupkey', 'archive/old.bin')).trim();
        return key !== '' && (await annexRun(a, 'checkpresentkey', key, 'origin')).code === 0 && !(await hereHas(a)).includes('archive/old.bin');
      },
      { logOf: a },
    );
  } finally {
    await stopAssistant(a);
  }
  // The hub wants keep.bin too, but this repository wants it: it stays. The hub does not want the
  // diary, so this is its only copy: it stays although this repository does not want it either.
  assert.deepEqual(await hereHas(a), ['archive/private/diary.bin', 'keep.bin']);
  // The dropped file is still a tracked pointer, and its content comes back on request.
  await arbor(a, 'get', 'archive/old.bin');
  assert.deepEqual(readFileSync(join(a, 'archive/old.bin')), old);
  assert.equal((await annex(a, 'fsck', '--quiet')).trim(), '');
});
