// Which remotes get which kind of change-notice listener (pure), and the lines git-annex-shell notifychanges prints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import cron from 'node-cron';
import { noticeShell, planNotices } from '../../src/assistant/notices/notice-plan.js';
import { parseNotifyLine } from '../../src/assistant/notices/notify-protocol.js';
import { settingsFromConfig, SettingsError } from '../../src/assistant/settings.js';
import type { RemoteConfig } from '../../src/remotes/remote.js';

const remote = (name: string, url: string, extra: Partial<RemoteConfig> = {}): RemoteConfig => ({ name, url, ignore: false, sync: true, ...extra });

test('ssh remotes get notifychanges, local paths a refs watch, other URLs are left to the fetch schedule', () => {
  const plan = planNotices({
    remotes: [remote('srv', 'server:annex'), remote('nas', 'ssh://me@nas:2222/srv/annex'), remote('usb', '/media/usb/annex'), remote('hub', '../hub.git'), remote('web', 'https://example.com/annex.git')],
    notify: true,
    base: '/home/me/work',
  });
  assert.deepEqual(
    plan.listen.map((t) => [t.kind, t.remote]),
    [
      ['ssh', 'srv'],
      ['ssh', 'nas'],
      ['local', 'usb'],
      ['local', 'hub'],
    ],
  );
  const nas = plan.listen[1];
  assert.ok(nas?.kind === 'ssh');
  assert.deepEqual(nas.location, { host: 'me@nas', port: 2222, path: '/srv/annex' });
  const hub = plan.listen[3];
  assert.ok(hub?.kind === 'local');
  assert.equal(hub.path, '/home/me/hub.git', 'a relative path is resolved from the work tree, as git does');
  assert.deepEqual(plan.off.map((o) => o.remote), ['web']);
  assert.match(plan.off[0]?.reason ?? '', /fetched on schedule/);
});

test('notify false turns every remote off with the reason; a notice command still runs', () => {
  const plan = planNotices({ remotes: [remote('srv', 'server:annex'), remote('usb', '/media/usb')], notify: false, noticeCommand: 'my-notifier --watch', base: '/w' });
  assert.deepEqual(plan.off, [
    { remote: 'srv', reason: 'arbor.assistant.notify is false' },
    { remote: 'usb', reason: 'arbor.assistant.notify is false' },
  ]);
  assert.deepEqual(plan.listen.map((t) => t.kind), ['command']);
});

test('a listener key changes with what it listens to (url, annex-shell, ssh options, ssh command), so a change restarts it', () => {
  const key = (r: RemoteConfig, sshCommand?: string): string | undefined => planNotices({ remotes: [r], notify: true, base: '/w', ...(sshCommand ? { sshCommand } : {}) }).listen[0]?.key;
  const base = key(remote('srv', 'server:annex'));
  assert.equal(key(remote('srv', 'server:annex')), base, 'stable for the same config');
  for (const other of [key(remote('srv', 'server:other')), key(remote('srv', 'server:annex', { annexShell: 'git-arbor serve' })), key(remote('srv', 'server:annex', { sshOptions: '-p 2' })), key(remote('srv', 'server:annex'), 'ssh -F cfg')]) {
    assert.notEqual(other, base);
  }
});

test('notifychanges lines: READY, CHANGED with the new ref values, anything else ignored', () => {
  const a = 'ea73cb39288176aa800f30a8036d4604ff70cc8a';
  const b = '17a416aba65408d4aac82eb5720f8f13c872b710';
  assert.deepEqual(parseNotifyLine('READY'), { type: 'ready' });
  assert.deepEqual(parseNotifyLine(`CHANGED ${a} ${b}`), { type: 'changed', shas: [a, b] });
  assert.deepEqual(parseNotifyLine('CHANGED'), { type: 'changed', shas: [] });
  assert.deepEqual(parseNotifyLine(`CHANGED ${a} not-a-sha`), { type: 'changed', shas: [a] });
  assert.equal(parseNotifyLine('HELLO there'), undefined);
  assert.equal(parseNotifyLine(''), undefined);
});

test('arbor.assistant.notify and noticecommand: defaults, values, and bad values named clearly', () => {
  const parse = (entries: Array<[string, string]>) => settingsFromConfig(entries, (e) => cron.validate(e));
  assert.equal(parse([]).notify, true);
  assert.equal(parse([]).noticeCommand, undefined);
  assert.equal(parse([['arbor.assistant.notify', 'false']]).notify, false);
  assert.equal(parse([['arbor.assistant.noticecommand', 'notifier --remote srv']]).noticeCommand, 'notifier --remote srv');
  assert.throws(() => parse([['arbor.assistant.notify', 'maybe']]), (e: unknown) => e instanceof SettingsError && /arbor\.assistant\.notify=maybe is not a boolean/.test(e.message));
  assert.throws(() => parse([['arbor.assistant.noticecommand', '  ']]), (e: unknown) => e instanceof SettingsError && /arbor\.assistant\.noticecommand=.* is empty/.test(e.message));
});

test('an ssh listener runs the configured annex-shell, else git-arbor serve on a host known to run it, else git-annex-shell', () => {
  assert.equal(noticeShell({ annexShell: '/opt/bin/git-annex-shell' }), '/opt/bin/git-annex-shell');
  assert.equal(noticeShell({ annexShell: '/opt/bin/git-annex-shell', arborServe: true }), '/opt/bin/git-annex-shell');
  assert.equal(noticeShell({ arborServe: true }), 'git-arbor serve');
  assert.equal(noticeShell({ arborServe: false }), 'git-annex-shell');
  assert.equal(noticeShell({}), 'git-annex-shell');
  // Learning that the host runs serve changes the listener's key, so the listener restarts with it.
  const before = planNotices({ remotes: [remote('srv', 'server:annex')], notify: true, base: '/w' }).listen[0]?.key;
  const after = planNotices({ remotes: [{ ...remote('srv', 'server:annex'), arborServe: true }], notify: true, base: '/w' }).listen[0]?.key;
  assert.notEqual(before, after);
});
