// The README's command reference is the CLI's own help: this fails when a command changes without `npm run docs:cli`.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { run } from '../helpers/run.js';
import { ARBOR_ROOT } from '../helpers/env.js';

test('README command reference matches git arbor --help (regenerate with npm run docs:cli)', async () => {
  const r = await run(process.execPath, [join(ARBOR_ROOT, 'scripts/cli-reference.mjs'), '--check'], { cwd: ARBOR_ROOT });
  assert.equal(r.code, 0, r.stderr);
});
