// What git-annex peers do is visible: a peer that deletes files and a peer that commits conflict markers, merged by `git arbor sync` and the assistant.
import '../helpers/env.js';
import { testEnv } from '../helpers/env.js';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { needsGitAnnex } from '../helpers/git-annex.js';
import { runArbor } from '../helpers/run.js';
import { git, makeRepo, writeFiles } from '../helpers/repo.js';
import { annexRun, annexSyncBesideAssistant, arbor, cloneWithArbor, cloneWithGitAnnex } from '../helpers/annex-fixtures.js';
import { configureFastAssistant, eventually, startAssistant, stopAssistant } from '../helpers/assistant.js';

// Every process this file starts shows times in India's zone (+05:30, no daylight saving): a
// local-time string is recognisable by its offset, whatever the machine's own zone.
testEnv.TZ = 'Asia/Kolkata';
const LOCAL_ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+05:30$/;
const LOCAL_TIME = /\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/;
/** 13 digits: epoch milliseconds, which people must never have to read. */
const EPOCH_MS = /\b1\d{12}\b/;

interface StatusJson {
  running: boolean;
  conflicts: Array<{ path: string; kind: string; ref: string; results: string[]; time: number; at: string }>;
  peerDeletions: Array<{ ref: string; count: number; total: number; paths: string[]; large: boolean; time: number; at: string }>;
  activity: Array<{ type: string; message: string; at: string }>;
}

async function statusJson(dir: string): Promise<StatusJson> {
  const r = await runArbor(['status', '--json'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as StatusJson;
}

async function annexSync(dir: string, ...args: string[]): Promise<void> {
  const r = await annexRun(dir, 'sync', ...args);
  assert.equal(r.code, 0, `git annex sync in ${dir} failed:\n${r.stdout}\n${r.stderr}`);
}

/** A bare hub with an arbor clone A holding `seed` (content sent to the hub) and a git-annex clone G that has it all. */
async function hubWithPeers(seed: Record<string, string | Buffer>): Promise<{ hub: string; parent: string; a: string; g: string }> {
  const hub = await makeRepo({ bare: true, name: 'hub.git' });
  const parent = join(hub, '..');
  const a = (await cloneWithArbor({ origin: hub, description: 'A', parent, name: 'A' })).dir;
  writeFiles(a, seed);
  await arbor(a, 'sync', '--content');
  await arbor(a, 'sync', '--content'); // the hub has an annex now: send the content
  const g = (await cloneWithGitAnnex({ origin: hub, description: 'G', parent, name: 'G' })).dir;
  await annexSync(g, '--content');
  return { hub, parent, a, g };
}

test('a git-annex peer deletes 20 of 25 files: git arbor sync and the assistant list the deletion with the peer named; clearing the list survives a daemon restart', { ...needsGitAnnex, timeout: 300_000 }, async () => {
  const seed: Record<string, string | Buffer> = {};
  for (let i = 0; i < 20; i++) seed[`docs/note-${String(i).padStart(2, '0')}.txt`] = `note ${i}\n`;
  for (let i = 0; i < 5; i++) seed[`media/clip-${i}.bin`] = randomBytes(150_000); // annexed
  const { hub, parent, a, g } = await hubWithPeers(seed);
  const b = (await cloneWithArbor({ origin: hub, description: 'B', parent, name: 'B' })).dir;
  await arbor(b, 'sync');
  const totalHere = (await git(a, 'ls-files')).split('\n').filter(Boolean).length; // 25 files and .gitattributes

  // The peer deletes 15 notes and 5 annexed clips (as a crashing assistant did) and syncs.
  for (let i = 0; i < 15; i++) rmSync(join(g, `docs/note-${String(i).padStart(2, '0')}.txt`));
  for (let i = 0; i < 5; i++) rmSync(join(g, `media/clip-${i}.bin`), { force: true });
  await annexSync(g);

  // git arbor sync says so, in one line naming the peer.
  const synced = await runArbor(['sync'], { cwd: a });
  assert.equal(synced.code, 0, synced.stderr);
  assert.match(synced.stdout + synced.stderr, /origin deleted 20 of \d+ files here .*\[LARGE DELETION\]/);
  const s = await statusJson(a);
  assert.equal(s.peerDeletions.length, 1, JSON.stringify(s.peerDeletions));
  const d = s.peerDeletions[0];
  assert.ok(d);
  assert.equal(d.count, 20);
  assert.equal(d.total, totalHere);
  assert.equal(d.large, true);
  assert.match(d.ref, /^refs\/remotes\/origin\//);
  assert.deepEqual(d.paths, Array.from({ length: 10 }, (_, i) => `docs/note-${String(i).padStart(2, '0')}.txt`), 'the first names, sorted');
  assert.match(d.at, LOCAL_ISO);
  const human = (await runArbor(['status'], { cwd: a })).stdout;
  assert.match(human, /^WARNING: peer deletion \d{4}-\d\d-\d\d \d\d:\d\d:\d\d: origin deleted 20 of \d+ files here \(merging refs\/remotes\/origin\/main\): docs\/note-00\.txt, /m);
  assert.match(human, /^recent activity:$/m);
  assert.match(human, new RegExp(`^  ${LOCAL_TIME.source} origin deleted 20`, 'm'));
  assert.doesNotMatch(human, EPOCH_MS, 'no epoch milliseconds in status');

  // The assistant merges the same deletion and lists it the same way.
  await configureFastAssistant(b);
  await startAssistant(b);
  try {
    await eventually('B\'s status lists the peer deletion', async () => (await statusJson(b)).peerDeletions.some((x) => x.count === 20 && x.large), { logOf: b });
    const log = readFileSync(join(b, '.git/annex/arbor/daemon.log'), 'utf8').split('\n').filter((l) => l.startsWith('{'));
    const times = log.map((l) => (JSON.parse(l) as { time: unknown }).time);
    assert.ok(times.length > 0 && times.every((t) => typeof t === 'string' && LOCAL_ISO.test(t)), `daemon log times in local time: ${times.slice(0, 3).join(', ')}`);
    assert.ok(log.some((l) => /origin deleted 20 of/.test(l)), 'the daemon log names the deletion');

    // The user has looked: clear the list.
    const cleared = await runArbor(['conflicts', '--clear'], { cwd: b });
    assert.equal(cleared.code, 0, cleared.stderr);
    assert.match(cleared.stdout, /cleared 0 conflict\(s\) and 1 peer deletion\(s\)/);
    assert.deepEqual((await statusJson(b)).peerDeletions, []);
    assert.doesNotMatch((await runArbor(['status'], { cwd: b })).stdout, /^(WARNING: )?peer deletion/m, 'status no longer lists it');

    // Restart the daemon; the peer deletes one more file: only that one is listed, the cleared one stays cleared.
    await stopAssistant(b);
    await startAssistant(b);
    rmSync(join(g, 'docs/note-19.txt'));
    await annexSyncBesideAssistant(g);
    await eventually('B lists the new deletion', async () => (await statusJson(b)).peerDeletions.length > 0, { logOf: b });
    const after = (await statusJson(b)).peerDeletions;
    assert.equal(after.length, 1, JSON.stringify(after));
    assert.equal(after[0]?.count, 1);
    assert.equal(after[0]?.large, false, 'one file of six is ordinary editing');
    assert.deepEqual(after[0]?.paths, ['docs/note-19.txt']);
  } finally {
    await stopAssistant(b);
  }
});

test('a git-annex peer commits a file with conflict markers: arbor keeps it as a conflict, both versions named and reachable, and the peer converges on the same tree', { ...needsGitAnnex, timeout: 300_000 }, async () => {
  const original = 'line one\nline two\n';
  const { a, g } = await hubWithPeers({ 'notes.txt': original, 'other.txt': 'other\n' });
  assert.equal((await git(a, 'ls-files', '-s', 'notes.txt')).startsWith('100644'), true, 'notes.txt is kept in git');

  // The peer commits an unresolved merge (markers as git writes them) and syncs.
  const marked = 'line one\n<<<<<<< HEAD\nline two, mine\n=======\nline two, theirs\n>>>>>>> other-branch\n';
  writeFiles(g, { 'notes.txt': marked });
  await annexSync(g);

  const r = await runArbor(['sync', '--json'], { cwd: a });
  assert.equal(r.code, 0, r.stderr);
  const conflicts = (JSON.parse(r.stdout) as { conflicts: Array<{ path: string; kind: string; results: string[] }> }).conflicts;
  assert.equal(conflicts.length, 1, JSON.stringify(conflicts));
  const c = conflicts[0];
  assert.ok(c);
  assert.equal(c.path, 'notes.txt');
  assert.equal(c.kind, 'conflict-markers');
  const variant = c.results.find((p) => p !== 'notes.txt');
  assert.ok(variant && /^notes\.variant-[0-9a-f]{4}\.txt$/.test(variant), `a variant named as git-annex names them: ${c.results.join(', ')}`);

  // Both versions are there for the user: the name as it was here, the peer's beside it.
  assert.equal(readFileSync(join(a, 'notes.txt'), 'utf8'), original);
  assert.equal(readFileSync(join(a, variant), 'utf8'), marked);
  assert.equal(await git(a, 'status', '--porcelain'), '', 'committed, nothing left half-done');

  const s = await statusJson(a);
  const recorded = s.conflicts.find((x) => x.path === 'notes.txt');
  assert.ok(recorded, 'status --json lists the conflict');
  assert.deepEqual(recorded.results, [variant, 'notes.txt'].sort());
  assert.match(recorded.at, LOCAL_ISO);
  const human = (await runArbor(['status'], { cwd: a })).stdout;
  assert.match(human, new RegExp(`^conflict notes\\.txt \\(conflict markers from origin, merging refs/remotes/origin/main, ${LOCAL_TIME.source}\\): the version from before the merge is notes\\.txt, the one with markers is ${variant.replace(/\./g, '\\.')}$`, 'm'));
  assert.match(human, /git arbor conflicts --clear/);
  assert.doesNotMatch(human, EPOCH_MS);

  // The peer takes arbor's resolution: the same tree, both versions on both sides.
  await annexSync(g);
  assert.equal(await git(g, 'rev-parse', 'HEAD^{tree}'), await git(a, 'rev-parse', 'HEAD^{tree}'));
  assert.equal(readFileSync(join(g, 'notes.txt'), 'utf8'), original);
  assert.equal(readFileSync(join(g, variant), 'utf8'), marked);

  // Clearing empties the list; the files and the log stay.
  assert.equal((await runArbor(['conflicts', '--clear'], { cwd: a })).code, 0);
  assert.deepEqual((await statusJson(a)).conflicts, []);
  assert.match((await runArbor(['status'], { cwd: a })).stdout, /^conflicts: none recorded$/m);
  assert.equal(readFileSync(join(a, variant), 'utf8'), marked);
  assert.match(readFileSync(join(a, '.git/annex/arbor/conflicts.jsonl'), 'utf8'), /conflict-markers/);
});
