// The CLI entry point: help, version, exit codes.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runArbor } from '../helpers/run.js';

test('--help lists the commands and exits 0', async () => {
  const r = await runArbor(['--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /Usage: git-arbor/);
  assert.match(r.stdout, /version/);
});

test('version --json reports the repository format', async () => {
  const r = await runArbor(['version', '--json']);
  assert.equal(r.code, 0);
  assert.equal(JSON.parse(r.stdout).annexVersion, 10);
});

test('an unknown command exits non-zero with a message', async () => {
  const r = await runArbor(['frobnicate']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /unknown command/);
});
