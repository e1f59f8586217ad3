// group.log: groups per repository, stored byte-sorted and space-separated like git-annex.
import '../../helpers/env.js';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { formatGroups, isValidGroupName, membersOf, parseGroupLog, parseGroups } from '../../../src/annex/logs/group.js';

const A = 'aaaaaaaa-0000-0000-0000-000000000000';
const B = 'bbbbbbbb-0000-0000-0000-000000000000';

test('groups are whitespace-separated words; written byte-sorted without duplicates (git-annex: "alpha zeta")', () => {
  assert.deepEqual([...parseGroups('zeta  alpha\tzeta')], ['zeta', 'alpha']);
  assert.equal(formatGroups(['zeta', 'alpha', 'Zed', 'zeta']), 'Zed alpha zeta');
  assert.deepEqual(parseGroups(formatGroups(['client', 'backup'])), new Set(['backup', 'client']));
  assert.equal(formatGroups([]), '');
});

test('the newest line per repository wins; an emptied entry (two spaces) means no groups', () => {
  const log = parseGroupLog(`${A} client timestamp=1s\n${A} backup client timestamp=2s\n${B}  timestamp=3s\n${B} archive timestamp=1s\n`);
  assert.deepEqual(log.get(A), new Set(['backup', 'client']));
  assert.deepEqual(log.get(B), new Set());
  assert.deepEqual(membersOf(log, 'client'), [A]);
  assert.deepEqual(membersOf(log, 'archive'), []);
});

test('a group name is one non-empty word', () => {
  assert.equal(isValidGroupName('backup'), true);
  assert.equal(isValidGroupName('a b'), false);
  assert.equal(isValidGroupName(''), false);
});
