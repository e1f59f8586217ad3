// An arbor assistant and a git annex assistant sharing a bare remote converge, with no user action.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ok, run } from '../helpers/run.js';
import { git, writeFiles } from '../helpers/repo.js';
import { arbor, hubAndClones } from '../helpers/arbor.js';
import { configureFastAssistant, eventually, startAssistant, stopAssistant } from '../helpers/assistant.js';
import { needsGitAnnex } from '../helpers/git-annex.js';
import { onBeforeCleanup } from '../helpers/tmp.js';

test('arbor assistant and git annex assistant converge through a shared bare hub', needsGitAnnex, async () => {
  const { hub, clones: [a], parent } = await hubAndClones(['A']);
  assert.ok(a);
  writeFiles(a, { 'seed.txt': 'seed\n' });
  await arbor(a, 'sync');
  await git(parent, 'clone', '-q', hub, 'g');
  const g = join(parent, 'g');
  await ok('git', ['annex', 'init', 'git-annex side'], { cwd: g });
  await configureFastAssistant(a);
  await startAssistant(a);
  await ok('git', ['annex', 'assistant'], { cwd: g });
  onBeforeCleanup(() => void run('git', ['annex', 'assistant', '--stop'], { cwd: g }));
  try {
    writeFileSync(join(a, 'from-arbor.txt'), 'written on the arbor side\n');
    await eventually('the hub has the arbor change', async () => (await git(hub, 'ls-tree', '--name-only', 'main')).split('\n').includes('from-arbor.txt'), { logOf: a });
    writeFileSync(join(g, 'from-annex.txt'), 'written on the git-annex side\n');
    await eventually('arbor has the git-annex change with its content', () => existsSync(join(a, 'from-annex.txt')) && readFileSync(join(a, 'from-annex.txt'), 'utf8') === 'written on the git-annex side\n', { logOf: a, timeoutMs: 120_000 });
    await eventually('git-annex has the arbor change', () => existsSync(join(g, 'from-arbor.txt')), { timeoutMs: 120_000 });
    await eventually('both sides hold the same tree', async () => (await git(a, 'rev-parse', 'HEAD^{tree}')) === (await git(g, 'rev-parse', 'HEAD^{tree}')), { logOf: a, timeoutMs: 120_000 });
  } finally {
    await run('git', ['annex', 'assistant', '--stop'], { cwd: g });
    await stopAssistant(a);
  }
  assert.equal(readFileSync(join(g, 'from-arbor.txt'), 'utf8'), 'written on the arbor side\n');
});
