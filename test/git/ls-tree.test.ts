// ls-tree -z records: parse and format are inverses, for any path bytes but NUL.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatLsTree, parseLsTree } from '../../src/git/ls-tree.js';
import type { TreeEntry } from '../../src/git/ls-tree.js';
import { ArborError } from '../../src/util/errors.js';

const entries: TreeEntry[] = [
  { mode: '100644', type: 'blob', sha: 'a'.repeat(40), path: 'plain' },
  { mode: '120000', type: 'blob', sha: 'b'.repeat(40), path: 'dir/link with space' },
  { mode: '040000', type: 'tree', sha: 'c'.repeat(40), path: 'tab\tand\nnewline ü' },
  { mode: '160000', type: 'commit', sha: 'd'.repeat(64), path: 'sub' },
];

test('parse inverts format', () => {
  assert.deepEqual(parseLsTree(formatLsTree(entries)), entries);
  assert.equal(formatLsTree(parseLsTree(formatLsTree(entries))), formatLsTree(entries));
  assert.deepEqual(parseLsTree(''), []);
});

test('a record without a tab is refused', () => {
  assert.throws(() => parseLsTree('100644 blob abc\0'), ArborError);
});
