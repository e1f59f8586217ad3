// git-annex-shell command lines as serve reads them: the forms git-annex and git send, the forced-command string, and refusals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandRepoPath, parseCommandString, parseShellCommand, splitShellWords, ShellCommandError } from '../../src/remotes/shell-command.js';

test('shell-command: the argument forms git-annex sends (seen on the wire) parse to their requests', () => {
  assert.deepEqual(parseShellCommand(['p2pstdio', '/srv/r.git', 'client-uuid', '--uuid', 'server-uuid']), { kind: 'p2pstdio', dir: '/srv/r.git', expectUuid: 'server-uuid' });
  assert.deepEqual(parseShellCommand(['configlist', '/srv/r.git', '--', 'autoinit=1', '--']), { kind: 'configlist', dir: '/srv/r.git', autoinit: true });
  assert.deepEqual(parseShellCommand(['notifychanges', '/srv/r.git']), { kind: 'notifychanges', dir: '/srv/r.git' });
  assert.deepEqual(parseShellCommand(['git-receive-pack', '/srv/r.git']), { kind: 'git', service: 'receive-pack', dir: '/srv/r.git' });
  assert.deepEqual(parseShellCommand(['/srv/r.git']), { kind: 'p2pstdio', dir: '/srv/r.git' });
});

test('shell-command: a forced command string (SSH_ORIGINAL_COMMAND) is split as the shell would, whoever it names', () => {
  assert.deepEqual(parseCommandString(`git-annex-shell 'p2pstdio' '/srv/it'"'"'s.git' 'u' --uuid 'v'`), { kind: 'p2pstdio', dir: "/srv/it's.git", expectUuid: 'v' });
  assert.deepEqual(parseCommandString("git-upload-pack '/srv/r.git'"), { kind: 'git', service: 'upload-pack', dir: '/srv/r.git' });
  assert.deepEqual(parseCommandString('git-arbor serve --restrict /elsewhere configlist /srv/r.git'), { kind: 'configlist', dir: '/srv/r.git', autoinit: false });
  assert.deepEqual(parseShellCommand(['-c', "git-annex-shell 'notifychanges' '/srv/r.git'"]), { kind: 'notifychanges', dir: '/srv/r.git' });
  assert.deepEqual(splitShellWords(`a "b \\"c\\"" d\\ e`), ['a', 'b "c"', 'd e']);
});

test('shell-command: anything else is refused with one line naming it', () => {
  assert.throws(() => parseCommandString('rm -rf /'), (e: unknown) => e instanceof ShellCommandError && /refused command "rm -rf \/"/.test(e.message));
  assert.throws(() => parseShellCommand(['p2pstdio']), /p2pstdio needs a repository directory/);
  assert.throws(() => parseShellCommand(['frobnicate', '/x']), /unknown command frobnicate/);
  assert.throws(() => parseCommandString("git-annex-shell 'p2pstdio"), /unterminated quote/);
});

test('shell-command: repository paths expand as git-annex-shell expands them', () => {
  const homeOf = (u: string): string | undefined => (u === 'bob' ? '/home/bob' : undefined);
  assert.equal(expandRepoPath('/~/annex', '/home/me', homeOf), '/home/me/annex');
  assert.equal(expandRepoPath('/~bob/annex', '/home/me', homeOf), '/home/bob/annex');
  assert.equal(expandRepoPath('annex', '/home/me', homeOf), '/home/me/annex');
  assert.equal(expandRepoPath('/srv/annex', '/home/me', homeOf), '/srv/annex');
  assert.throws(() => expandRepoPath('/~nobody/x', '/home/me', homeOf), /unknown user/);
});
