// ssh remote URLs as git reads them, and the ssh command line arbor builds from them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSshUrl, shellQuote } from '../../src/remotes/ssh-url.js';
import { sshInvocation } from '../../src/remotes/ssh.js';
import { localPathOf } from '../../src/remotes/git-local.js';
import { gitSshCommand, networkLimitsFrom } from '../../src/remotes/network-limits.js';

test('ssh URLs: ssh://, git+ssh://, scp-like, ~ paths, ports, IPv6', () => {
  assert.deepEqual(parseSshUrl('ssh://me@host.example:2222/srv/annex.git'), { host: 'me@host.example', port: 2222, path: '/srv/annex.git' });
  assert.deepEqual(parseSshUrl('git+ssh://host/~/annex'), { host: 'host', path: '/~/annex' });
  assert.deepEqual(parseSshUrl('ssh://host/~alice/a%20b'), { host: 'host', path: '/~alice/a b' });
  assert.deepEqual(parseSshUrl('ssh://[::1]:22/x'), { host: '::1', port: 22, path: '/x' });
  assert.deepEqual(parseSshUrl('ssh://h/100%/x'), { host: 'h', path: '/100%/x' }, 'a stray % is no error');
  assert.deepEqual(parseSshUrl('me@server:annex'), { host: 'me@server', path: 'annex' }, 'relative to the home directory');
  assert.deepEqual(parseSshUrl('server:/abs/path'), { host: 'server', path: '/abs/path' });
  assert.deepEqual(parseSshUrl('server:~/annex'), { host: 'server', path: '/~/annex' }, 'git-annex-shell expands /~/');
  assert.deepEqual(parseSshUrl('server:'), { host: 'server', path: '.' });
});

test('ssh URLs: local paths, file:// and other schemes are not ssh (and local paths stay local)', () => {
  for (const url of ['/srv/annex', './rel/path', 'dir/with:colon', 'file:///srv/x', 'https://example.com/x.git', 'http://h/x']) {
    assert.equal(parseSshUrl(url), undefined, url);
  }
  assert.equal(localPathOf('server:/abs', '/'), undefined, 'scp-like is not a local path');
});

test('ssh command: options, port and a quoted remote command; GIT_SSH_COMMAND goes through the shell as git runs it', () => {
  const where = { host: 'me@h', port: 2222, path: "/it's here" };
  const cmd = ['git-annex-shell', 'p2pstdio', where.path].map(shellQuote).join(' ');
  assert.equal(cmd, `'git-annex-shell' 'p2pstdio' '/it'\\''s here'`);
  const uncached = { stallMs: 0, sshCaching: false };
  assert.deepEqual(sshInvocation({ program: 'ssh' }, where, { sshOptions: '-F cfg  -o X=1' }, cmd, uncached), { cmd: 'ssh', args: ['-F', 'cfg', '-o', 'X=1', '-p', '2222', '-T', 'me@h', cmd] });
  assert.deepEqual(sshInvocation({ shellCommand: 'ssh -i key' }, { host: 'h', path: '/x' }, {}, 'c', uncached), { cmd: 'sh', args: ['-c', 'ssh -i key "$@"', 'ssh -i key', '-T', 'h', 'c'] });
  // By default the connection is shared (annex.sshcaching), after the user's own options, which win.
  const cached = sshInvocation({ program: 'ssh' }, where, { sshOptions: '-o ControlMaster=no' }, cmd);
  assert.deepEqual(cached.args.slice(0, 4), ['-o', 'ControlMaster=no', '-o', 'ControlMaster=auto']);
  assert.ok(cached.args.some((a) => /^ControlPath=.*-%C$/.test(a)));
});

test('ssh time-out options follow the stall setting and never override the user\'s own', () => {
  const limits = { stallMs: 30_000 };
  const loc = { host: 'nas', path: '/srv/annex' };
  const plain = sshInvocation({ program: 'ssh' }, loc, { sshOptions: '-o ConnectTimeout=5' }, 'git-annex-shell p2pstdio', limits);
  // ssh keeps the first value of an option: the user's ConnectTimeout=5 comes first and wins.
  assert.deepEqual(plain.args.slice(0, 8), ['-o', 'ConnectTimeout=5', '-o', 'ConnectTimeout=30', '-o', 'ServerAliveInterval=10', '-o', 'ServerAliveCountMax=3']);
  const wrapper = sshInvocation({ shellCommand: 'my-ssh-wrapper --fast' }, loc, {}, 'x', limits);
  assert.ok(!wrapper.args.some((a) => a.startsWith('ConnectTimeout')), 'a wrapper gets no options it may not understand');
  assert.equal(gitSshCommand({ shellCommand: 'ssh -F /etc/cfg' }, { ...limits, sshCaching: false }), 'ssh -F /etc/cfg -o ConnectTimeout=30 -o ServerAliveInterval=10 -o ServerAliveCountMax=3');
  assert.match(gitSshCommand({ shellCommand: 'ssh -F /etc/cfg' }, limits) ?? '', /^ssh -F \/etc\/cfg -o ConnectTimeout=30 .* -o ControlMaster=auto -o ControlPersist=60 -o ControlPath=\S+-%C$/);
  assert.equal(gitSshCommand({ shellCommand: 'plink -batch' }, limits), undefined);
  assert.equal(gitSshCommand({ program: 'ssh' }, { stallMs: 0, sshCaching: false }), undefined, 'no stall watch and no caching: no options');
});

test('network settings: defaults, and a bad value is one line naming the key', () => {
  assert.deepEqual(networkLimitsFrom(() => undefined), { stallMs: 60_000, timeoutMs: 3_600_000, retryMs: 60_000, sshCaching: true });
  assert.equal(networkLimitsFrom((k) => (k === 'annex.sshcaching' ? 'false' : undefined)).sshCaching, false);
  assert.deepEqual(networkLimitsFrom((k) => (k === 'arbor.network.stallseconds' ? '2' : undefined)).stallMs, 2000);
  assert.throws(() => networkLimitsFrom((k) => (k === 'arbor.network.timeoutseconds' ? '-1' : undefined)), /^UsageError: git config arbor\.network\.timeoutseconds=-1 is not a number of seconds/);
  assert.throws(() => networkLimitsFrom((k) => (k === 'arbor.network.retryseconds' ? '0' : undefined)), /arbor\.network\.retryseconds=0 .*at least 1/);
});
