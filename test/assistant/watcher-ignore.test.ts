// The watcher skips what git ignores (and .git), so ignored trees cost no watches.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isIgnored } from '../../src/assistant/workers/watcher.js';

test('a path is ignored when it or a parent directory is', () => {
  const ignored = new Set(['node_modules', 'build/out', 'secret.txt']);
  assert.equal(isIgnored('node_modules', ignored), true);
  assert.equal(isIgnored('node_modules/a/b.js', ignored), true);
  assert.equal(isIgnored('build/out/x', ignored), true);
  assert.equal(isIgnored('build/other', ignored), false);
  assert.equal(isIgnored('secret.txt', ignored), true);
  assert.equal(isIgnored('secret.txt.bak', ignored), false);
  assert.equal(isIgnored('node_modulesX/a', ignored), false);
  assert.equal(isIgnored('.git/index', new Set()), true);
  assert.equal(isIgnored('src/a.ts', new Set()), false);
});
