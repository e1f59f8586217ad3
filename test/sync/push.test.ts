// Parsing `git push --porcelain`: the flags decide success, rejection (retry) and failure.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePushPorcelain } from '../../src/sync/push.js';

test('porcelain lines are parsed into flag, refs and summary', () => {
  const out = [
    'To /tmp/hub.git',
    ' \trefs/heads/main:refs/heads/synced/main\t9aae509..17e3119',
    '+\trefs/heads/git-annex:refs/heads/synced/git-annex\t1111111...2222222 (forced update)',
    '!\trefs/heads/main:refs/heads/main\t[rejected] (non-fast-forward)',
    '!\trefs/heads/x:refs/heads/x\t[remote rejected] (failed to update ref)',
    'Done',
  ].join('\n');
  assert.deepEqual(parsePushPorcelain(out), [
    { flag: ' ', from: 'refs/heads/main', to: 'refs/heads/synced/main', summary: '9aae509..17e3119' },
    { flag: '+', from: 'refs/heads/git-annex', to: 'refs/heads/synced/git-annex', summary: '1111111...2222222 (forced update)' },
    { flag: '!', from: 'refs/heads/main', to: 'refs/heads/main', summary: '[rejected] (non-fast-forward)' },
    { flag: '!', from: 'refs/heads/x', to: 'refs/heads/x', summary: '[remote rejected] (failed to update ref)' },
  ]);
});
