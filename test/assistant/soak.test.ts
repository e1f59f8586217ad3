// A short soak in every test run: three assistants, random edits (a fifth of them to files every node edits), one remote hung and one flapping; every change reaches every node.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { needsGitAnnex } from '../helpers/git-annex.js';
import { runSoak } from '../helpers/soak.js';

test('three assistants under random edits, some of them to the same files, with one remote hung and one flapping, all hold every change (the newest version of a file edited everywhere under its name or as a variant) and git annex fsck is clean', { ...needsGitAnnex, timeout: 400_000 }, async () => {
  const result = await runSoak({ edits: 60, maxPauseMs: 150, flapEvery: 12, seed: 12, convergeMs: 240_000, conflicting: 0.2 });
  assert.equal(result.edits, 60);
  assert.ok(result.flaps >= 4, `the flapping remote went away and came back (${result.flaps} flaps)`);
  assert.ok(result.hungConnections > 0, 'the assistants did try the hung host (so they were kept going in spite of it)');
  assert.ok(result.sharedEdits > 0, 'some edits went to files every node edits');
  assert.deepEqual(result.fsckFailures, []);
});
