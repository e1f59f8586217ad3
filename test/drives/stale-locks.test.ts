// Stale git lock files on a re-plugged drive: older than the mount are removed, newer ones are someone's and stay.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeStaleLocks } from '../../src/drives/stale-locks.js';
import { git, makeRepo } from '../helpers/repo.js';

test('lock files written before the mount are removed, and git can update the ref again; a fresh lock stays', async () => {
  const bare = await makeRepo({ bare: true, name: 'drive.git' });
  const commit = await git(bare, 'commit-tree', '-m', 'c', await git(bare, 'write-tree'));
  mkdirSync(join(bare, 'refs/heads/synced'), { recursive: true });
  const old = [join(bare, 'refs/heads/git-annex.lock'), join(bare, 'refs/heads/synced/main.lock'), join(bare, 'index.lock')];
  for (const p of old) writeFileSync(p, '');
  const past = new Date(Date.now() - 60_000);
  for (const p of old) utimesSync(p, past, past);
  const mountedAt = Date.now() - 1000;
  const fresh = join(bare, 'refs/heads/main.lock');
  writeFileSync(fresh, ''); // a git process working right now
  await assert.rejects(git(bare, 'update-ref', 'refs/heads/git-annex', commit), /git-annex\.lock/, 'the stale lock blocks git');
  const removed = await removeStaleLocks(bare, mountedAt);
  assert.deepEqual(removed.sort(), [...old].sort());
  assert.equal(existsSync(fresh), true, 'a lock taken after the mount is left alone');
  await git(bare, 'update-ref', 'refs/heads/git-annex', commit);
  assert.equal(await git(bare, 'rev-parse', 'refs/heads/git-annex'), commit);
});
