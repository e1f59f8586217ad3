// add in bulk: many files in several windows become links to durable objects, in path order; a failing ingest leaves files as they were.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { appendFileSync, lstatSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openAnnex } from '../../src/annex/annex.js';
import { parseKey } from '../../src/annex/key.js';
import { keysLocations } from '../../src/annex/logs/location.js';
import { addFiles, linkIfUnchanged, type AddedFile } from '../../src/content/add.js';
import { addThroughFilter } from '../../src/content/add-through-filter.js';
import type { FailedFile } from '../../src/content/git-add.js';
import { runArbor } from '../helpers/run.js';
import { git, makeRepo, writeFiles } from '../helpers/repo.js';

async function annexedRepo(): Promise<string> {
  const dir = await makeRepo({ name: 'adder' });
  const r = await runArbor(['init', 'adder'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  return dir;
}

test('a bulk add of more files than one fsync window: every file a link to its own bytes, logged, staged, reported in order', async () => {
  const dir = await annexedRepo();
  writeFileSync(join(dir, '.gitattributes'), '* annex.largefiles=anything\nnotes.txt annex.largefiles=nothing\n');
  await git(dir, 'add', '.gitattributes');
  const files: Record<string, Buffer> = { 'notes.txt': Buffer.from('kept in git\n'), 'big/large.bin': randomBytes((5 << 20) + 3) };
  for (let i = 0; i < 300; i++) files[`many/d${i % 7}/f${String(i).padStart(3, '0')}.txt`] = Buffer.from(`small file ${i}\n`);
  writeFiles(dir, files);
  const annex = await openAnnex(dir);
  const reported: AddedFile[] = [];
  try {
    const added = await addFiles(annex, { onFile: (f) => reported.push(f) });
    const annexed = added.filter((f) => f.kind === 'locked');
    assert.equal(annexed.length, 301);
    assert.deepEqual(added.find((f) => f.path === 'notes.txt')?.kind, 'git');
    const lockedReported = reported.filter((f) => f.kind === 'locked').map((f) => f.path);
    assert.deepEqual(lockedReported, [...lockedReported].sort(), 'locked files are reported in path order');
    for (const f of annexed) {
      assert.ok(lstatSync(join(dir, f.path)).isSymbolicLink(), `${f.path} is a link`);
      assert.ok(readFileSync(join(dir, f.path)).equals(files[f.path] ?? Buffer.alloc(0)), `${f.path} reads back its bytes`);
    }
    const keys = annexed.map((f) => parseKey(f.key ?? '') ?? assert.fail(`${f.path} has no key`));
    const where = await keysLocations(annex.branch, keys);
    assert.ok(annexed.every((f) => where.get(f.key ?? '')?.includes(annex.uuid)), 'every key is logged here');
    assert.deepEqual(readdirSync(annex.store.tmpDir), [], 'no temp files left');
  } finally {
    await annex.close();
  }
  const staged = await git(dir, 'diff', '--cached', '--name-only');
  assert.equal(staged.split('\n').length, 303, 'every file staged (with .gitattributes)');
  assert.equal(await git(dir, 'diff-files', '--name-only'), '', 'the index matches the work tree (stat data staged too)');
  // The links' blobs went into one pack: staging 301 links wrote no loose object for any of them.
  const loose = Number(/^count: (\d+)$/m.exec(await git(dir, 'count-objects', '-v'))?.[1]);
  assert.ok(loose < 10, `${loose} loose objects after adding 301 links`);
});

test('a failing ingest leaves the work-tree files as they were and nothing staged or stored', async () => {
  const dir = await annexedRepo();
  await git(dir, 'config', 'annex.backend', 'NOSUCHBACKEND');
  writeFiles(dir, { 'a.bin': randomBytes(200_000), 'b.bin': randomBytes(200_000) });
  const before = readFileSync(join(dir, 'a.bin'));
  const annex = await openAnnex(dir);
  try {
    await assert.rejects(addFiles(annex), /NOSUCHBACKEND/);
    assert.ok(lstatSync(join(dir, 'a.bin')).isFile(), 'still a plain file');
    assert.ok(readFileSync(join(dir, 'a.bin')).equals(before));
    assert.deepEqual(readdirSync(annex.store.tmpDir), []);
  } finally {
    await annex.close();
  }
  assert.equal(await git(dir, 'diff', '--cached', '--name-only'), '');
});

test('a file written to while it is being added keeps the new bytes (and its mode); the object it changed is removed', async () => {
  const dir = await annexedRepo();
  const annex = await openAnnex(dir);
  try {
    for (const name of ['steady.bin', 'busy.bin']) writeFileSync(join(dir, name), Buffer.alloc(4096, name.length), { mode: 0o644 });
    const before = { steady: lstatSync(join(dir, 'steady.bin')), busy: lstatSync(join(dir, 'busy.bin')) };
    const steadyKey = await annex.store.ingest(join(dir, 'steady.bin'), { backend: 'SHA256E', fileName: 'steady.bin', mode: 'link' });
    const busyKey = await annex.store.ingest(join(dir, 'busy.bin'), { backend: 'SHA256E', fileName: 'busy.bin', mode: 'link' });
    // An editor that had busy.bin open writes through its descriptor (the lockdown's read-only mode does not stop it).
    appendFileSync(join(dir, 'busy.bin'), 'late write\n');

    assert.equal(await linkIfUnchanged(annex, { path: 'steady.bin', key: steadyKey, before: before.steady }), true);
    assert.ok(lstatSync(join(dir, 'steady.bin')).isSymbolicLink());
    assert.equal(await annex.store.has(steadyKey), true);

    assert.equal(await linkIfUnchanged(annex, { path: 'busy.bin', key: busyKey, before: before.busy }), false);
    const busy = lstatSync(join(dir, 'busy.bin'));
    assert.ok(busy.isFile(), 'still the user\'s file, not a link');
    assert.ok(readFileSync(join(dir, 'busy.bin')).toString('latin1').endsWith('late write\n'), 'with the late write');
    assert.equal(busy.mode & 0o777, 0o644, 'and writable again');
    assert.equal(await annex.store.has(busyKey), false, 'the object that no longer matches its key is gone');
  } finally {
    await annex.close();
  }
});

test('an unlocked file deleted between the look at it and git add: its removal is staged, never the committed version again', async () => {
  const dir = await annexedRepo();
  await git(dir, 'config', 'annex.addunlocked', 'true');
  writeFiles(dir, { 'keep.bin': randomBytes(100_000), 'gone.bin': randomBytes(100_000) });
  const annex = await openAnnex(dir);
  try {
    await addFiles(annex);
    await git(dir, 'commit', '-q', '-m', 'two unlocked files');
    // The race, made certain: git add is handed a committed file that was deleted after it was looked at.
    rmSync(join(dir, 'gone.bin'));
    appendFileSync(join(dir, 'keep.bin'), 'more');
    const out = { rules: await annex.largeFilesRules(), dotfiles: false, results: [] as AddedFile[], failures: [] as FailedFile[], onFile: undefined };
    try {
      await addThroughFilter(annex, ['keep.bin', 'gone.bin'], out);
    } finally {
      await out.rules.close();
    }
    assert.deepEqual(out.failures, [], 'a deleted file is not a failure');
    assert.deepEqual(out.results.map((r) => [r.path, r.kind]), [['keep.bin', 'unlocked']]);
  } finally {
    await annex.close();
  }
  assert.equal(await git(dir, 'ls-files', '--', 'gone.bin'), '', 'the deletion is staged');
  assert.equal(await git(dir, 'diff', '--cached', '--name-status', '--', 'gone.bin'), 'D\tgone.bin');
});
