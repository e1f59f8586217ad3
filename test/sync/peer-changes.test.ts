// Merges that bring in a peer's deletions or conflict markers, between real repositories (plain git peers), and the pure rules behind them.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readlinkSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runArbor } from '../helpers/run.js';
import { git, writeFiles } from '../helpers/repo.js';
import { arbor, hubAndClones } from '../helpers/arbor.js';
import { tempDir } from '../helpers/tmp.js';
import { hasConflictMarkers } from '../../src/sync/conflict-markers.js';
import { isLargeDeletion } from '../../src/sync/peer-deletion-log.js';
import { parseRawDiff } from '../../src/sync/peer-deletions.js';
import { parseCleared } from '../../src/sync/cleared.js';
import { readActivity, recordActivity } from '../../src/sync/activity-log.js';
import { openAnnex } from '../../src/annex/annex.js';
import { formatLocalIso, formatLocalTime } from '../../src/util/local-time.js';

interface SyncJson {
  conflicts: Array<{ path: string; kind: string; results: string[] }>;
  merges: Array<{ ref: string; deletion?: { count: number; paths: string[]; large: boolean } }>;
}

async function syncJson(dir: string): Promise<SyncJson> {
  const r = await runArbor(['sync', '--json'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as SyncJson;
}

/** Commits everything in `dir` with plain git and pushes it to the hub (a peer that is not arbor). */
async function plainGitPush(dir: string, message: string): Promise<void> {
  await git(dir, '-c', 'filter.annex.process=', '-c', 'filter.annex.clean=', '-c', 'filter.annex.smudge=', 'add', '-A');
  await git(dir, 'commit', '-q', '-m', message);
  await git(dir, 'push', '-q', 'origin', 'main');
}

test('conflict markers are recognised only as git writes them, in order', () => {
  assert.equal(hasConflictMarkers('a\n<<<<<<< HEAD\nx\n=======\ny\n>>>>>>> b\n'), true);
  assert.equal(hasConflictMarkers('a\r\n<<<<<<< HEAD\r\nx\r\n=======\r\ny\r\n>>>>>>> b\r\n'), true, 'CRLF files too');
  assert.equal(hasConflictMarkers('Title\n=======\n\ntext\n'), false, 'a Markdown heading underline is not a conflict');
  assert.equal(hasConflictMarkers('>>>>>>> b\n=======\n<<<<<<< a\n'), false, 'out of order');
  assert.equal(hasConflictMarkers('<<<<<<<HEAD\n=======\n>>>>>>>b\n'), false, 'git writes a space after the marker');
});

test('a deletion is flagged large at 10 files, or at 2 or more files making a tenth of the tree', () => {
  assert.equal(isLargeDeletion(1, 2), false, 'one file is ordinary editing');
  assert.equal(isLargeDeletion(9, 1000), false);
  assert.equal(isLargeDeletion(10, 100_000), true);
  assert.equal(isLargeDeletion(2, 20), true);
  assert.equal(isLargeDeletion(2, 21), false);
});

test('raw diffs parse with renames carrying two paths', () => {
  const out = ':100644 000000 aaa 000 D\0gone.txt\0:100644 100644 bbb bbb R100\0old.txt\0new.txt\0:000000 120000 000 ccc A\0a link\0';
  assert.deepEqual(parseRawDiff(out).map((c) => [c.status, c.path]), [['D', 'gone.txt'], ['R', 'new.txt'], ['A', 'a link']]);
});

test('an unreadable cleared.json clears nothing (lists reappear rather than hide)', () => {
  assert.deepEqual(parseCleared('{not json'), { offsets: {} });
  assert.deepEqual(parseCleared('{"offsets":{"conflicts.jsonl":12,"x":-1,"y":"3"},"time":5}'), { offsets: { 'conflicts.jsonl': 12 }, time: 5 });
});

test('local times carry the zone\'s offset and never look like epoch milliseconds', () => {
  const saved = process.env.TZ;
  try {
    process.env.TZ = 'Asia/Kolkata';
    assert.equal(formatLocalTime(0), '1970-01-01 05:30:00');
    assert.equal(formatLocalIso(0), '1970-01-01T05:30:00.000+05:30');
    process.env.TZ = 'America/St_Johns';
    assert.equal(formatLocalIso(Date.UTC(2024, 0, 15, 12, 0, 0, 7)), '2024-01-15T08:30:00.007-03:30');
    process.env.TZ = 'UTC';
    assert.equal(formatLocalIso(Date.UTC(2024, 0, 15, 12, 0, 0)), '2024-01-15T12:00:00.000Z');
  } finally {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  }
});

test('the activity history is bounded: past its size it keeps its last entries', async () => {
  const dir = tempDir('arbor-activity-');
  await git(dir, 'init', '-q');
  await arbor(dir, 'init', 'H');
  const annex = await openAnnex(dir);
  const limits = { maxBytes: 2000, keepEntries: 5 };
  for (let i = 0; i < 40; i++) await recordActivity(annex, [{ type: 'commit', message: `commit number ${i}` }], limits);
  const entries = await readActivity(annex);
  assert.ok(entries.length >= 5 && entries.length < 40, `trimmed: ${entries.length} entries`);
  assert.equal(entries.at(-1)?.message, 'commit number 39', 'the newest entry is kept');
  assert.ok(readFileSync(join(dir, '.git/annex/arbor/activity.jsonl')).length <= limits.maxBytes + 200);
  await annex.git.close();
});

test('a plain git peer that moves files is not a deletion; one that deletes files is, with its ref named', async () => {
  const { clones: [a, b] } = await hubAndClones(['A', 'B']);
  assert.ok(a && b);
  const files: Record<string, string | Buffer> = {};
  for (let i = 0; i < 12; i++) files[`d/f${i}.txt`] = `file ${i}\n`;
  files['big/data.bin'] = Buffer.alloc(150_000, 7); // annexed, locked: its link target changes when moved to another depth
  writeFiles(a, files);
  await arbor(a, 'sync');
  await arbor(b, 'sync');

  mkdirSync(join(b, 'moved/deeper'), { recursive: true });
  for (let i = 0; i < 12; i++) renameSync(join(b, `d/f${i}.txt`), join(b, `moved/f${i}.txt`));
  await arbor(b, 'sync'); // arbor commits the moves
  await git(b, 'mv', 'big/data.bin', 'moved/deeper/data.bin');
  await git(b, 'commit', '-q', '-m', 'move the big file');
  await arbor(b, 'sync');
  const moved = await syncJson(a);
  assert.ok(moved.merges.length > 0, 'A merged B\'s moves');
  assert.deepEqual(moved.merges.filter((m) => m.deletion), [], 'moves are not deletions');

  rmSync(join(b, 'moved/f3.txt'));
  await plainGitPush(b, 'delete one');
  const one = await syncJson(a);
  const deletion = one.merges.find((m) => m.deletion)?.deletion;
  assert.deepEqual(deletion && { count: deletion.count, paths: deletion.paths, large: deletion.large }, { count: 1, paths: ['moved/f3.txt'], large: false });
  assert.match((await runArbor(['status'], { cwd: a })).stdout, /^peer deletion .*: origin deleted 1 of \d+ files here \(merging refs\/remotes\/origin\/main\): moved\/f3\.txt$/m);
});

test('conflict markers from a plain git peer: a clean three-way merge keeps this side\'s version under the name and the merged one as a variant; markers that were already there and new files are handled without renaming', async () => {
  const { clones: [a, b] } = await hubAndClones(['A', 'B']);
  assert.ok(a && b);
  writeFiles(a, { 'notes.txt': 'top\n\n\n\nmiddle\n\n\n\nbottom\n', 'old.txt': 'x\n<<<<<<< a\n1\n=======\n2\n>>>>>>> b\n', 'big.txt': 'long text\n'.repeat(20_000) });
  await arbor(a, 'sync');
  await arbor(b, 'sync');
  const bigLink = readlinkSync(join(a, 'big.txt')); // annexed, locked

  // A changes the top line; B commits markers near the bottom (both merge cleanly by lines).
  writeFileSync(join(a, 'notes.txt'), 'TOP from A\n\n\n\nmiddle\n\n\n\nbottom\n');
  await arbor(a, 'sync', '--no-pull', '--no-push');
  const mine = readFileSync(join(a, 'notes.txt'), 'utf8');
  writeFileSync(join(b, 'notes.txt'), 'top\n\n\n\nmiddle\n\n\n\n<<<<<<< HEAD\nbottom\n=======\nBOTTOM\n>>>>>>> x\n');
  writeFileSync(join(b, 'old.txt'), 'y\n<<<<<<< a\n1\n=======\n2\n>>>>>>> b\n'); // had markers already: not news
  writeFileSync(join(b, 'new.txt'), '<<<<<<< a\n1\n=======\n2\n>>>>>>> b\n');
  rmSync(join(b, 'big.txt'));
  writeFileSync(join(b, 'big.txt'), '<<<<<<< a\nlong text\n=======\nshort\n>>>>>>> b\n'); // the annexed file replaced by marked text
  await plainGitPush(b, 'an unresolved merge');

  const r = await syncJson(a);
  const byPath = new Map(r.conflicts.map((c) => [c.path, c]));
  assert.deepEqual([...byPath.keys()].sort(), ['big.txt', 'new.txt', 'notes.txt']);
  const bigVariant = byPath.get('big.txt')?.results.find((p) => p !== 'big.txt');
  assert.ok(bigVariant, 'the annexed file replaced by marked text is a conflict with two names');
  assert.equal(readlinkSync(join(a, 'big.txt')), bigLink, 'the annexed file keeps its name');
  assert.match(readFileSync(join(a, bigVariant), 'utf8'), /^=======$/m);
  assert.equal(byPath.get('new.txt')?.kind, 'conflict-markers');
  assert.deepEqual(byPath.get('new.txt')?.results, ['new.txt'], 'a new file keeps its name: there is nothing here to keep');
  const notes = byPath.get('notes.txt');
  assert.equal(notes?.kind, 'conflict-markers');
  const variant = notes?.results.find((p) => p !== 'notes.txt');
  assert.ok(variant);
  assert.equal(readFileSync(join(a, 'notes.txt'), 'utf8'), mine, 'the name holds this side\'s version');
  const merged = readFileSync(join(a, variant), 'utf8');
  assert.match(merged, /^TOP from A$/m, 'the variant holds the merge, with this side\'s change');
  assert.match(merged, /^>>>>>>> x$/m, 'and the peer\'s markers');
  assert.equal(readFileSync(join(a, 'old.txt'), 'utf8'), 'y\n<<<<<<< a\n1\n=======\n2\n>>>>>>> b\n', 'a file that had markers merges as usual');
  assert.equal(await git(a, 'status', '--porcelain'), '');
  assert.match(await git(a, 'log', '-1', '--format=%s'), /^arbor: conflict markers from refs\/remotes\/origin\/main in big\.txt, notes\.txt$/);

  // The peer gets the same two files.
  await arbor(b, 'sync');
  assert.equal(readFileSync(join(b, 'notes.txt'), 'utf8'), mine);
  assert.equal(readFileSync(join(b, variant), 'utf8'), merged);
});
