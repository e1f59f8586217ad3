// A short soak in every test run: three assistants, random edits, one remote hung and one flapping; every change reaches every node.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { needsGitAnnex } from '../helpers/git-annex.js';
import { runSoak } from '../helpers/soak.js';

test('three assistants under random edits, with one remote hung and one flapping, all hold every change and git annex fsck is clean', { ...needsGitAnnex, timeout: 400_000 }, async () => {
  const result = await runSoak({ edits: 60, maxPauseMs: 150, flapEvery: 12, seed: 12, convergeMs: 240_000 });
  assert.equal(result.edits, 60);
  assert.ok(result.flaps >= 4, `the flapping remote went away and came back (${result.flaps} flaps)`);
  assert.ok(result.hungConnections > 0, 'the assistants did try the hung host (so they were kept going in spite of it)');
  assert.deepEqual(result.fsckFailures, []);
});
