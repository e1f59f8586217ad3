// A repository on a read-only mount (a mounted backup): read commands answer as git-annex does
// there, write commands refuse in one line, nothing is written. Real bind mount, real git-annex.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { needsGitAnnex } from '../helpers/git-annex.js';
import { bindMountReadOnly, needsRoot } from '../helpers/mount.js';
import { annex, gitAnnexWhereis, arborWhereis, asObject, makeArborRepo, objectPath, uuidOf } from '../helpers/annex-fixtures.js';
import { git } from '../helpers/repo.js';
import { runArbor } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';

const options = { skip: needsRoot.skip || needsGitAnnex.skip };

/** Every path under `dir` with its size and mtime: what "nothing was written" compares. */
function snapshot(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[])
    .sort()
    .map((p) => {
      const s = statSync(join(dir, p), { throwIfNoEntry: false });
      return `${p} ${s?.size ?? '-'} ${s?.mtimeMs ?? '-'}`;
    });
}

/**
 * An arbor repository with three annexed files and the unmerged git-annex branch of a git-annex
 * peer that got one of them (fetched as refs/remotes/peer/git-annex, not yet merged here).
 */
async function backupWithPeer(): Promise<{ source: string; peerUuid: string; uuid: string }> {
  const parent = tempDir('arbor-backup-');
  const { dir: source, uuid } = await makeArborRepo({
    parent,
    name: 'repo',
    description: 'backup',
    files: ['a.txt', 'b.txt', 'c.txt'].map((p) => ({ path: p, content: Buffer.from(`content of ${p}\n`), unlocked: false })),
  });
  const peer = join(parent, 'peer');
  await git(parent, 'clone', '-q', source, peer);
  await annex(peer, 'init', '-q', 'peer');
  await annex(peer, 'get', '-q', 'a.txt');
  await git(source, 'remote', 'add', 'peer', peer);
  await git(source, 'fetch', '-q', 'peer');
  // Recorded as git-annex records it on first contact (git-annex itself cannot in a read-only mount).
  const peerUuid = await uuidOf(peer);
  await git(source, 'config', 'remote.peer.annex-uuid', peerUuid);
  return { source, peerUuid, uuid };
}

test('read-only repository: whereis, info, fsck and status answer (whereis as git-annex does there); the peer\'s unmerged log is read', options, async () => {
  const { source, peerUuid, uuid } = await backupWithPeer();
  const before = snapshot(source);
  const mnt = bindMountReadOnly(source);

  const arborWhere = await arborWhereis(mnt);
  assert.deepEqual(asObject(arborWhere), asObject(await gitAnnexWhereis(mnt)), 'arbor and git-annex agree in the same mount');
  assert.deepEqual([...(arborWhere.get('a.txt') ?? [])].sort(), [uuid, peerUuid].sort(), 'the peer\'s copy comes from its unmerged branch');

  const plain = await runArbor(['whereis'], { cwd: mnt });
  assert.equal(plain.code, 0, plain.stderr);
  assert.equal(plain.stderr, '');
  assert.match(plain.stdout, /whereis a\.txt \(2 copies\)/);

  const info = await runArbor(['info'], { cwd: mnt });
  assert.equal(info.code, 0, info.stderr);
  assert.equal(info.stderr, '');
  assert.match(info.stdout, new RegExp(`${peerUuid} -- peer`));

  const fsck = await runArbor(['fsck'], { cwd: mnt });
  assert.equal(fsck.code, 0, fsck.stderr);
  assert.equal(fsck.stderr, `git-arbor: fsck: ${mnt} is read-only (EROFS): problems are reported, not fixed\n`);
  assert.match(fsck.stdout, /fsck: 3 checked, 0 failed/);

  const status = await runArbor(['status'], { cwd: mnt });
  assert.equal(status.code, 0, status.stderr);
  assert.equal(status.stderr, '');

  assert.deepEqual(snapshot(source), before, 'nothing was written');
});

test('read-only repository: add, sync, get and describe refuse in one line with a non-zero exit; nothing is written', options, async () => {
  const { source } = await backupWithPeer();
  writeFileSync(join(source, 'new.txt'), 'not yet added\n');
  const before = snapshot(source);
  const mnt = bindMountReadOnly(source);
  for (const args of [['add', 'new.txt'], ['add', 'a.txt'], ['sync'], ['get', 'a.txt'], ['describe', 'here', 'renamed'], ['numcopies', '2']]) {
    const r = await runArbor(args, { cwd: mnt });
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr, `git-arbor: cannot ${args[0]}: ${mnt} is read-only (EROFS)\n`, args.join(' '));
  }
  assert.deepEqual(snapshot(source), before, 'nothing was written');
});

test('read-only repository: fsck finds a corrupt object, reports it and exits 1, and moves nothing', options, async () => {
  const { source } = await backupWithPeer();
  const key = (await annex(source, 'find', '--format=${key}', 'b.txt')).trim();
  const object = await objectPath({ dir: source, key });
  chmodSync(dirname(object), 0o755);
  chmodSync(object, 0o644);
  writeFileSync(object, 'content of B.txt\n');
  const mnt = bindMountReadOnly(source);
  const r = await runArbor(['fsck'], { cwd: mnt });
  assert.equal(r.code, 1, r.stdout);
  assert.match(r.stderr, /b\.txt: content does not match its checksum \(not moved to annex\/bad\/: this repository is read-only\)/);
  assert.doesNotMatch(r.stderr, /a\.txt|c\.txt|at async|Error:/);
  assert.equal(readFileSync(object, 'utf8'), 'content of B.txt\n', 'the object stays where it was');
  assert.equal(existsSync(join(source, '.git', 'annex', 'bad')), false);
});
