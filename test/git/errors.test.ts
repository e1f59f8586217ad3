// Git-layer errors: stable codes and one-line messages a user can act on.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GitCommandError, NotAGitRepositoryError } from '../../src/git/errors.js';
import { ArborError } from '../../src/util/errors.js';

test('GitCommandError names the subcommand and the line that says what failed', () => {
  const e = new GitCommandError({
    args: ['-c', 'core.quotepath=false', 'push', 'origin', 'main'],
    exitCode: 1,
    stderr: "hint: see 'git help push'\nerror: failed to push some refs to 'origin'\nmore\n",
  });
  assert.ok(e instanceof ArborError);
  assert.equal(e.code, 'EGIT');
  assert.equal(e.message, "git push failed: failed to push some refs to 'origin'");
  assert.deepEqual(e.data, { args: ['-c', 'core.quotepath=false', 'push', 'origin', 'main'], exitCode: 1, stderr: "hint: see 'git help push'\nerror: failed to push some refs to 'origin'\nmore\n" });
});

test('GitCommandError falls back to the first line, then to the exit code', () => {
  assert.equal(new GitCommandError({ args: ['fsck'], exitCode: 2, stderr: '\n  broken link\n' }).message, 'git fsck failed: broken link');
  assert.equal(new GitCommandError({ args: ['config', '--get', 'x.y'], exitCode: 1, stderr: '' }).message, 'git config failed: exit code 1');
});

test('NotAGitRepositoryError carries the path', () => {
  const e = new NotAGitRepositoryError('/tmp/x');
  assert.equal(e.code, 'ENOTREPO');
  assert.equal(e.message, 'not a git repository: /tmp/x');
  assert.deepEqual(e.data, { path: '/tmp/x' });
});
