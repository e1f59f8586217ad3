// The config snapshot: one git per repository for any number of reads, and changes made outside this process seen at the next read.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalConfigKey, ConfigSnapshot, parseConfigBool, parseConfigListZ } from '../../src/git/config-snapshot.js';
import { openGit } from '../../src/git/git.js';
import { findRepository, gitEnv } from '../../src/git/repo.js';
import { nodeSpawner } from '../../src/util/spawn.js';
import { initRepo, ok } from './fixtures/repo.js';

test('any number of config reads start one git, and a change by another program is seen at the next read', async () => {
  const dir = await initRepo();
  await ok('git', ['config', 'arbor.one', 'a'], { cwd: dir });
  let runs = 0;
  const snap = new ConfigSnapshot({
    repo: await findRepository(dir),
    run: (args) => {
      runs++;
      return nodeSpawner.run('git', args, { cwd: dir, env: gitEnv() });
    },
  });
  for (let i = 0; i < 5; i++) assert.ok((await snap.entries())?.some(([k, v]) => k === 'arbor.one' && v === 'a'));
  assert.equal(runs, 1);
  await ok('git', ['config', 'arbor.one', 'b'], { cwd: dir });
  assert.ok((await snap.entries())?.some(([k, v]) => k === 'arbor.one' && v === 'b'));
  assert.equal(runs, 2);
});

test('a setting in an included file is read, and a change to that file is seen', async () => {
  const dir = await initRepo();
  const inc = join(dir, '.git', 'extra.config');
  writeFileSync(inc, '[arbor]\n\tfrom = include\n');
  await ok('git', ['config', 'include.path', inc], { cwd: dir });
  const git = await openGit(dir);
  assert.equal(await git.configGet('arbor.from'), 'include');
  writeFileSync(inc, '[arbor]\n\tfrom = changed-include\n');
  assert.equal(await git.configGet('arbor.from'), 'changed-include');
});

test('keys are matched as git matches them: section and name in any case, subsection exactly', async () => {
  const dir = await initRepo();
  await ok('git', ['config', 'remote.MyUsb.annex-uuid', 'u1'], { cwd: dir });
  const git = await openGit(dir);
  assert.equal(await git.configGet('REMOTE.MyUsb.Annex-UUID'), 'u1');
  assert.equal(await git.configGet('remote.myusb.annex-uuid'), undefined);
  assert.deepEqual(await git.configGetRegexp('^remote\\.'), [['remote.MyUsb.annex-uuid', 'u1']]);
  assert.equal(canonicalConfigKey('Core.SSHCommand'), 'core.sshcommand');
  assert.equal(canonicalConfigKey('a.B.C.D'), 'a.B.C.d');
  assert.equal(canonicalConfigKey('nodot'), undefined);
});

test('booleans read as git reads them, and the listing parser keeps bare keys and newlines', () => {
  assert.deepEqual(['true', 'Yes', 'on', '1', '-2', 'false', 'no', 'OFF', '0', ''].map(parseConfigBool), [true, true, true, true, true, false, false, false, false, false]);
  assert.equal(parseConfigBool(null), true);
  assert.equal(parseConfigBool('maybe'), undefined);
  const { entries, origins } = parseConfigListZ(Buffer.from('file:/x/config\0a.b\nx\ny\0command line:\0a.flag\0'));
  assert.deepEqual(entries, [['a.b', 'x\ny'], ['a.flag', null]]);
  assert.deepEqual(origins, ['/x/config']);
});

test('this process setting and unsetting keys needs no new listing, and every read agrees with git config --list after it', async () => {
  const dir = await initRepo();
  await ok('git', ['config', 'remote.MyUsb.url', '/mnt/usb'], { cwd: dir });
  let runs = 0;
  const repo = await findRepository(dir);
  const snap = new ConfigSnapshot({
    repo,
    run: (args) => {
      runs++;
      return nodeSpawner.run('git', args, { cwd: dir, env: gitEnv() });
    },
  });
  const listed = async (): Promise<string[]> => (await snap.entries() ?? []).map(([k, v]) => `${k}=${v ?? ''}`);
  const fromGit = async (): Promise<string[]> => (await ok('git', ['config', '--list', '-z'], { cwd: dir })).split('\0').filter(Boolean).map((r) => r.replace('\n', '='));
  assert.deepEqual(await listed(), await fromGit());
  const writes: Array<[string, string | undefined]> = [
    ['annex.uuid', 'u-1'],
    ['annex.version', '10'],
    ['remote.MyUsb.annex-uuid', 'u-2'],
    ['annex.uuid', 'u-3'], // replaced where it was
    ['user.name', 'Local Name'], // also in the global file: the repository's value comes after it
    ['remote.MyUsb.url', undefined],
  ];
  for (const [key, value] of writes) {
    const before = await snap.beforeLocalWrite();
    await ok('git', value === undefined ? ['config', '--unset-all', key] : ['config', '--replace-all', key, value], { cwd: dir });
    await snap.localWriteDone(before, key, value);
    assert.deepEqual(await listed(), await fromGit(), `after ${key}=${value ?? '(unset)'}`);
  }
  assert.equal(runs, 1, 'one listing for all of it');
  // Another program's write is still seen.
  await ok('git', ['config', 'arbor.other', 'x'], { cwd: dir });
  assert.deepEqual(await listed(), await fromGit());
  assert.equal(runs, 2);
});
