// sync --content looks only at what changed since the last content sync, and still notices every change, including ones real git-annex makes.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { contentWorkSince, readContentState } from '../../src/sync/content-state.js';
import { openAnnex } from '../../src/annex/annex.js';
import { needsGitAnnex } from '../helpers/git-annex.js';
import { runArbor } from '../helpers/run.js';
import { writeFiles } from '../helpers/repo.js';
import { hubAndClones } from '../helpers/arbor.js';
import { annexRun } from '../helpers/annex-fixtures.js';

interface Content {
  got: number;
  sent: number;
  failed: number;
  checked: number;
}

/** `git arbor sync --content --json` in `dir`: its content counts. */
async function syncContent(dir: string): Promise<Content> {
  const r = await runArbor(['sync', '--content', '--json'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout).content as Content;
}

const big = (n: number): Buffer => Buffer.alloc(150_000, n);

test('sync --content visits only changed files, and catches location, tree and policy changes made by git-annex', needsGitAnnex, async () => {
  const { clones: [a, b] } = await hubAndClones(['A', 'B']);
  assert.ok(a && b);
  writeFiles(a, { 'one.bin': big(1), 'two.bin': big(2), 'three.bin': big(3) });
  await syncContent(a);
  const first = await syncContent(a); // the hub's uuid is known from here on
  assert.equal(first.sent, 3, 'the hub gets every file');
  // The hub recorded the copies in its own git-annex branch too; merging that back changes the
  // three location logs (same content, newer timestamps), so one more sync looks at them once.
  assert.equal((await syncContent(a)).checked, 3);
  assert.deepEqual(await syncContent(a), { got: 0, sent: 0, dropped: 0, failed: 0, checked: 0 }, 'a no-op sync looks at nothing');

  // B gets everything (its first content sync looks at all), then adds a file.
  assert.equal((await syncContent(b)).got, 3);
  writeFiles(b, { 'four.bin': big(4) });
  assert.equal((await syncContent(b)).sent, 1);
  // A: the new file, and the three whose location logs changed (B got them); nothing else.
  assert.deepEqual(await syncContent(a), { got: 1, sent: 0, dropped: 0, failed: 0, checked: 4 });

  assert.equal((await syncContent(a)).checked, 0);

  // Real git-annex says origin lost one.bin: the next sync sends it again, without looking at every
  // file (git-annex's drop also merges and touches other logs, so not only at that one).
  const dropped = await annexRun(a, 'drop', '--from', 'origin', '--force', 'one.bin');
  assert.equal(dropped.code, 0, dropped.stderr);
  const resent = await syncContent(a);
  assert.equal(resent.sent, 1);
  assert.ok(resent.checked >= 1 && resent.checked < 4, `looked at ${resent.checked} of 4 files`);
  const whereis = await annexRun(a, 'whereis', 'one.bin');
  assert.match(whereis.stdout, /origin/, 'git-annex sees the copy back on origin');

  // A policy change (git-annex's wanted) may change every answer: everything is looked at again.
  const wanted = await annexRun(a, 'wanted', 'origin', 'include=*');
  assert.equal(wanted.code, 0, wanted.stderr);
  assert.equal((await syncContent(a)).checked, 4);
  assert.equal((await syncContent(a)).checked, 0);
});

test('a file whose transfer failed is looked at again until it succeeds', needsGitAnnex, async () => {
  const { clones: [a, b] } = await hubAndClones(['A', 'B']);
  assert.ok(a && b);
  writeFiles(a, { 'only-here.bin': big(7) });
  // Committed and synced without content: the hub has the link but not the content.
  assert.equal((await runArbor(['sync'], { cwd: a })).code, 0);
  const r = await runArbor(['sync', '--content', '--json'], { cwd: b });
  assert.equal(JSON.parse(r.stdout).content.failed, 1, 'no reachable copy: counted as failed');
  const state = await readContentState(join(b, '.git'));
  assert.deepEqual(state?.pending, ['only-here.bin']);
  // Nothing changed, but the pending file is still looked at.
  const annex = await openAnnex(b);
  try {
    const now = { tree: state?.tree ?? '', annex: state?.annex ?? '', remotes: state?.remotes ?? '' };
    assert.deepEqual(await contentWorkSince(annex, state, now), { all: false, paths: ['only-here.bin'], keys: new Set() });
  } finally {
    await annex.close();
  }
  await syncContent(a);
  await syncContent(a);
  const after = await syncContent(b);
  assert.equal(after.got, 1);
  assert.ok(existsSync(join(b, 'only-here.bin')));
  assert.deepEqual((await readContentState(join(b, '.git')))?.pending, []);
  assert.equal(readFileSync(join(b, 'only-here.bin')).length, 150_000);
});

test('sync --content honours preferred content set with git-annex: nothing is sent to or fetched by a repository that does not want it', needsGitAnnex, async () => {
  const { clones: [a, b] } = await hubAndClones(['A', 'B']);
  assert.ok(a && b);
  writeFiles(a, { 'disk.iso': big(5), 'docs/report.bin': big(6) });
  await syncContent(a); // the hub becomes an annex; its uuid is recorded
  for (const [dir, args] of [
    [a, ['wanted', 'origin', 'exclude=*.iso']],
    [b, ['wanted', 'here', 'include=docs/*']],
  ] as const) {
    const r = await annexRun(dir, ...args);
    assert.equal(r.code, 0, r.stderr);
  }
  await annexRun(b, 'sync', '--no-content');
  await syncContent(b); // B's wanted reaches A through the hub
  assert.deepEqual({ sent: (await syncContent(a)).sent }, { sent: 1 });
  const where = await annexRun(a, 'find', '--in', 'origin');
  assert.equal(where.stdout.trim(), 'docs/report.bin', 'the hub holds only what it wants');
  const got = await syncContent(b);
  assert.equal(got.got, 1);
  assert.ok(existsSync(join(b, 'docs/report.bin')), 'B got what it wants');
  assert.equal(existsSync(join(b, 'disk.iso')), false, 'and not what it does not (the link is there, the content is not)');
});
