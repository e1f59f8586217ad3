// Two assistants that share only a transfer repository: the content is relayed through it, and the transfer repository empties once both clients hold it.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { needsGitAnnex } from '../helpers/git-annex.js';
import { git, writeFiles } from '../helpers/repo.js';
import { annex, objectPath } from '../helpers/annex-fixtures.js';
import { arbor, hubAndClones } from '../helpers/arbor.js';
import { configureFastAssistant, eventually, startAssistant, stopAssistant } from '../helpers/assistant.js';

test('assistants relay content through a transfer repository, which drops it once both clients hold it', { ...needsGitAnnex, timeout: 480_000 }, async () => {
  const { hub: T, clones: [A, B] } = await hubAndClones(['A', 'B']);
  assert.ok(A && B);
  await annex(T, 'init', '-q', 'transfer');
  for (const dir of [A, B]) {
    await git(dir, 'config', 'annex.largefiles', 'anything');
    await configureFastAssistant(dir);
  }
  await annex(A, 'group', 'here', 'client');
  await annex(A, 'wanted', 'here', 'standard');
  await annex(A, 'group', 'origin', 'transfer');
  await annex(A, 'wanted', 'origin', 'standard');
  await annex(B, 'group', 'here', 'client');
  await annex(B, 'wanted', 'here', 'standard');
  writeFiles(A, { 'README.txt': 'shared through T\n' });
  await arbor(A, 'sync');
  await arbor(B, 'sync');
  const data = Buffer.alloc(50_000, 5);
  // The assistant adds new files unlocked: ask git-annex for the key, whatever the file's kind.
  const has = async (dir: string, bare = false): Promise<boolean> => existsSync(await objectPath({ dir, key: (await annex(B, 'lookupkey', 'photo.jpg')).trim(), bare }));
  await startAssistant(A);
  await startAssistant(B);
  try {
    writeFiles(A, { 'photo.jpg': data });
    await eventually('B holds photo.jpg with its bytes', async () => (await has(B)) && readFileSync(join(B, 'photo.jpg')).equals(data), { logOf: [A, B], timeoutMs: 120_000 });
    await eventually('the transfer repository no longer holds it', async () => !(await has(T, true)), { logOf: [A, B], timeoutMs: 120_000 });
    assert.ok(await has(A), 'A keeps its copy');
    // git-annex reads the same location log: the content is in A and B, not in the transfer repository.
    await eventually('the location log reaches A', async () => {
      const where = await annex(A, 'whereis', '--json', 'photo.jpg');
      const ids = (JSON.parse(where) as { whereis: { description: string }[] }).whereis.map((w) => w.description).sort();
      return ids.length === 2 && /A/.test(ids.join(' ')) && /B/.test(ids.join(' '));
    }, { logOf: [A, B] });
  } finally {
    await stopAssistant(A);
    await stopAssistant(B);
  }
});
