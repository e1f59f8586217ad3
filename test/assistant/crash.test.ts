// kill -9 at any moment loses nothing: the next start's scan commits and pushes everything.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runArbor, ok } from '../helpers/run.js';
import { git, writeFiles } from '../helpers/repo.js';
import { arbor, hubAndClones } from '../helpers/arbor.js';
import { configureFastAssistant, eventually, forget, startAssistant, stopAssistant } from '../helpers/assistant.js';
import { needsGitAnnex } from '../helpers/git-annex.js';

test('kill -9 in the middle of a burst of 1,000 files, then restart: every file committed and pushed, fsck clean', needsGitAnnex, async () => {
  const { hub, clones: [a] } = await hubAndClones(['A']);
  assert.ok(a);
  writeFiles(a, { 'seed.txt': 'seed\n' });
  await arbor(a, 'sync');
  await configureFastAssistant(a);
  const pid = await startAssistant(a);
  const expected: string[] = [];
  for (let d = 0; d < 10; d++) {
    mkdirSync(join(a, `d${d}`));
    for (let i = 0; i < 100; i++) {
      const p = `d${d}/f${i}.${i % 10 === 0 ? 'bin' : 'txt'}`;
      // every tenth file is binary: those go to the annex
      writeFileSync(join(a, p), i % 10 === 0 ? Buffer.from([0, d, i, 255, 0]) : `file ${d}/${i}\n`);
      expected.push(p);
    }
    if (d === 4) {
      await eventually('the first commits of the burst', async () => (await git(a, 'rev-list', '--count', 'HEAD')) !== '1', { logOf: a });
      process.kill(pid, 'SIGKILL');
      forget(pid);
    }
  }
  await startAssistant(a);
  try {
    await eventually('the hub has all 1,000 files', async () => {
      const files = new Set((await git(hub, 'ls-tree', '-r', '--name-only', 'main')).split('\n'));
      return expected.every((p) => files.has(p));
      // The restart commits ~500 files and sends ~100 objects: on two cores shared with other test
      // files that can take a few minutes. The bound only ends a wait; it asserts no speed.
    }, { logOf: a, timeoutMs: 240_000 });
    await eventually('the work tree is clean', async () => (await git(a, 'status', '--porcelain')) === '', { logOf: a });
  } finally {
    await stopAssistant(a);
  }
  await ok('git', ['fsck', '--no-progress'], { cwd: a });
  const fsck = await runArbor(['fsck'], { cwd: a });
  assert.equal(fsck.code, 0, fsck.stdout + fsck.stderr);
  const annexFsck = await ok('git', ['-c', 'annex.debug=false', 'annex', 'fsck', '--quiet'], { cwd: a });
  assert.doesNotMatch(annexFsck, /failed/);
  assert.equal(await git(a, 'rev-parse', 'main'), await git(hub, 'rev-parse', 'main'));
});
