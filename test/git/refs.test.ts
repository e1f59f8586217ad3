// Ref-name helpers: synced branches, remote-tracking refs, short names.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { branchRef, isSyncedRef, remoteTrackingRef, shortBranchName, syncedBranch, unsyncedBranch } from '../../src/git/refs.js';

test('syncedBranch prefixes the short branch name', () => {
  assert.equal(syncedBranch('main'), 'synced/main');
  assert.equal(syncedBranch('refs/heads/feature/x'), 'synced/feature/x');
});

test('isSyncedRef recognises local and remote-tracking synced branches only', () => {
  assert.equal(isSyncedRef('synced/main'), true);
  assert.equal(isSyncedRef('refs/heads/synced/main'), true);
  assert.equal(isSyncedRef('refs/remotes/origin/synced/main'), true);
  assert.equal(isSyncedRef('refs/heads/main'), false);
  assert.equal(isSyncedRef('refs/remotes/synced/main'), false); // a remote named "synced"
  assert.equal(isSyncedRef('refs/heads/notsynced/main'), false);
});

test('unsyncedBranch inverts syncedBranch', () => {
  for (const b of ['main', 'feature/x', 'git-annex']) assert.equal(unsyncedBranch(`refs/heads/${syncedBranch(b)}`), b);
  assert.equal(unsyncedBranch('refs/heads/main'), undefined);
});

test('remoteTrackingRef and shortBranchName', () => {
  assert.equal(remoteTrackingRef('origin', 'main'), 'refs/remotes/origin/main');
  assert.equal(remoteTrackingRef('usb', 'refs/heads/synced/main'), 'refs/remotes/usb/synced/main');
  assert.equal(shortBranchName('refs/heads/main'), 'main');
  assert.equal(shortBranchName('refs/remotes/origin/main'), 'origin/main');
  assert.equal(shortBranchName('refs/tags/v1'), 'v1');
  assert.equal(shortBranchName('main'), 'main');
  assert.equal(branchRef('main'), 'refs/heads/main');
  assert.equal(branchRef('refs/heads/main'), 'refs/heads/main');
});
