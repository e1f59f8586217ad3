// Automatic drops (sync --content) drop only what every path's policy no longer wants, within numcopies, trust and per-file numcopies, as real git-annex decides.
import '../helpers/env.js';
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { openAnnex } from '../../src/annex/annex.js';
import { listAnnexedFiles } from '../../src/content/annexed-files.js';
import { dropLocal } from '../../src/content/drop.js';
import { closeSession, openSession, type ContentSession } from '../../src/content/session.js';
import { syncContent, type ContentOutcome } from '../../src/sync/content.js';
import { needsGitAnnex } from '../helpers/git-annex.js';
import { git, makeRepo } from '../helpers/repo.js';
import { annex, annexRun, makeArborRepo, objectPath } from '../helpers/annex-fixtures.js';
import { tempDir } from '../helpers/tmp.js';

const bytes = (n: number): Buffer => Buffer.alloc(20_000, n);

/** Runs `fn` on a fresh content session of `dir` (fresh, so what git-annex changed meanwhile is read). */
async function withSession<T>(dir: string, fn: (s: ContentSession, messages: string[]) => Promise<T>): Promise<T> {
  const a = await openAnnex(dir);
  const messages: string[] = [];
  const session = await openSession(a, (e) => messages.push(e.message));
  try {
    return await fn(session, messages);
  } finally {
    await closeSession(session);
    await a.close();
  }
}

/** arbor's `sync --content` pass, in process: its counts and report lines. */
function arborSyncContent(dir: string): Promise<ContentOutcome & { messages: string[] }> {
  return withSession(dir, async (s, messages) => ({ ...(await syncContent(s, s.remotes)), messages }));
}

/** Whether `dir`'s object store holds the content of `path` (of L's tree, or `tree`'s). */
async function hasContent(dir: string, path: string, options: { tree?: string; bare?: boolean } = {}): Promise<boolean> {
  const key = basename(readlinkSync(join(options.tree ?? dir, path))); // locked files: the link names the key
  return existsSync(await objectPath({ dir, key, bare: options.bare ?? false }));
}

// One repository L (arbor) with two git-annex backups r1, r2 holding all of its files; the tests
// below change its policy step by step, each checked against `git annex drop --auto` on it.
let L = '';
let r1 = '';
const FILES = ['keep/x.bin', 'junk/x.bin', 'junk/b.txt', 'junk/a.important', 'junk/y.bin', 'keep/m.bin'];

before(async () => {
  if (needsGitAnnex.skip) return;
  const parent = tempDir('arbor-auto-drop-');
  const files = [
    { path: 'keep/x.bin', content: bytes(1), unlocked: false },
    { path: 'junk/x.bin', content: bytes(1), unlocked: false },
    { path: 'junk/b.txt', content: bytes(2), unlocked: false },
    { path: 'junk/a.important', content: bytes(3), unlocked: false },
    { path: 'junk/y.bin', content: bytes(4), unlocked: false },
    { path: 'keep/m.bin', content: bytes(5), unlocked: false },
  ];
  ({ dir: L } = await makeArborRepo({ parent, name: 'L', description: 'L', files }));
  writeFileSync(join(L, '.gitattributes'), 'junk/a.important annex.numcopies=3\n');
  await git(L, 'add', '.gitattributes');
  await git(L, 'commit', '-qm', 'a.important needs 3 copies');
  for (const name of ['r1', 'r2']) {
    const dir = await makeRepo({ parent, name: `${name}.git`, bare: true });
    await annex(dir, 'init', '-q', name);
    await git(L, 'remote', 'add', name, dir);
    if (name === 'r1') r1 = dir;
  }
  const first = await arborSyncContent(L);
  assert.equal(first.sent, 10, 'five keys to each backup');
  await annex(L, 'wanted', 'here', 'include=keep/*');
});

test('numcopies 2 with a third copy untrusted (remote.<name>.annex-trustlevel) keeps two trusted copies', needsGitAnnex, async () => {
  await annex(L, 'numcopies', '2');
  await git(L, 'config', 'remote.r2.annex-trustlevel', 'untrusted');
  const kept = await arborSyncContent(L);
  assert.equal(kept.dropped, 0, kept.messages.join('\n'));
  assert.match(await annex(L, 'find', '--want-drop', 'junk/y.bin'), /junk\/y\.bin/, 'git-annex: unwanted here');
  await annex(L, 'drop', '--auto', '-q');
  for (const f of FILES) assert.ok(await hasContent(L, f), `${f}: git-annex keeps it too`);
  // r2 trusted as its trust log says (semitrusted): two other copies now, so y.bin and b.txt go.
  await git(L, 'config', '--unset', 'remote.r2.annex-trustlevel');
  const dropped = await arborSyncContent(L);
  assert.equal(dropped.dropped, 2, dropped.messages.join('\n'));
  assert.ok(!(await hasContent(L, 'junk/y.bin')) && !(await hasContent(L, 'junk/b.txt')));
  assert.ok(await hasContent(r1, 'junk/y.bin', { tree: L, bare: true }), 'the backups keep theirs');
  await annex(L, 'drop', '--auto', '-q');
  for (const f of ['keep/x.bin', 'junk/a.important', 'keep/m.bin']) assert.ok(await hasContent(L, f), `${f}: git-annex keeps it as arbor did`);
});

test('a key used by two paths is dropped only once neither path wants it', needsGitAnnex, async () => {
  // junk/x.bin is unwanted, keep/x.bin (same content) is wanted: kept (git-annex agreed above).
  assert.equal((await arborSyncContent(L)).dropped, 0);
  assert.ok(await hasContent(L, 'junk/x.bin'));
  await git(L, 'rm', '-q', 'keep/x.bin');
  await git(L, 'commit', '-qm', 'only the junk copy is left');
  const r = await arborSyncContent(L);
  assert.equal(r.dropped, 1, r.messages.join('\n'));
  assert.ok(!(await hasContent(L, 'junk/x.bin')));
});

test('per-file annex.numcopies from .gitattributes holds for automatic and explicit drops', needsGitAnnex, async () => {
  await annex(L, 'numcopies', '1');
  assert.equal((await arborSyncContent(L)).dropped, 0, 'a.important needs 3 copies, 2 others exist');
  assert.ok(await hasContent(L, 'junk/a.important'));
  await withSession(L, async (s) => {
    const [file] = await listAnnexedFiles(s.annex, ['junk/a.important']);
    assert.ok(file);
    await assert.rejects(dropLocal(s, file), /only 2 of 3 required/);
  });
  const r = await annexRun(L, 'drop', 'junk/a.important');
  assert.notEqual(r.code, 0, 'git-annex refuses as well');
});

test('a policy arbor cannot read (unparsable, or metadata=) drops nothing and is reported once', needsGitAnnex, async () => {
  // A term this git-annex does not know either, written as a newer git-annex would.
  const uuid = (await git(L, 'config', 'annex.uuid')).trim();
  mkdirSync(join(L, '.git', 'annex', 'journal'), { recursive: true });
  writeFileSync(join(L, '.git', 'annex', 'journal', 'preferred-content.log'), `${uuid} onlyingroup=client timestamp=${Math.floor(Date.now() / 1000) + 60}s\n`);
  let r = await arborSyncContent(L);
  assert.equal(r.dropped, 0);
  assert.equal(r.messages.filter((m) => /not understood/.test(m)).length, 1, r.messages.join('\n'));
  // metadata=: git-annex wants m.bin (tagged keep) and not a.important; arbor does not read metadata, so keeps all.
  await annex(L, 'metadata', '-q', '-s', 'tag=keep', 'keep/m.bin');
  await annex(L, 'wanted', 'here', 'metadata=tag=keep');
  r = await arborSyncContent(L);
  assert.equal(r.dropped, 0, r.messages.join('\n'));
  assert.equal(r.messages.filter((m) => /metadata=/.test(m)).length, 1, r.messages.join('\n'));
  assert.ok(await hasContent(L, 'keep/m.bin'));
});
