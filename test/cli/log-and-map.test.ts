// git arbor log and map/plan in a mixed network: a bare server, an arbor copy and a real git-annex peer that publishes no links.
import '../helpers/env.js';
import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { arbor, hubAndClones } from '../helpers/arbor.js';
import { needsGitAnnex } from '../helpers/git-annex.js';
import { git, writeFiles } from '../helpers/repo.js';
import { ok, run, runArbor } from '../helpers/run.js';

/** laptop (arbor) and desktop (git-annex), both clones of one bare server, each synced with it. */
interface Network {
  readonly laptop: string;
  readonly desktop: string;
  readonly server: string;
  readonly uuid: { laptop: string; desktop: string; server: string };
}

let net: Network;

before(async () => {
  if (needsGitAnnex.skip) return;
  const { hub, parent } = await hubAndClones([]);
  await ok('git', ['annex', 'init', '-q', 'server'], { cwd: hub });
  await git(parent, 'clone', '-q', hub, 'laptop');
  const laptop = join(parent, 'laptop');
  await arbor(laptop, 'init', 'laptop');
  await git(laptop, 'config', 'annex.largefiles', 'anything');
  writeFiles(laptop, { 'photo.jpg': Buffer.alloc(5000, 3) });
  await arbor(laptop, 'add', 'photo.jpg');
  await arbor(laptop, 'sync', '--content');
  // The git-annex peer: syncs with the server (which it knows as origin) and gets the photo from there.
  await git(parent, 'clone', '-q', hub, 'desktop');
  const desktop = join(parent, 'desktop');
  await ok('git', ['annex', 'init', '-q', 'desktop with git-annex'], { cwd: desktop });
  await ok('git', ['annex', 'sync', '-q', '--content'], { cwd: desktop });
  await arbor(laptop, 'sync');
  const uuidOf = async (dir: string, bare = false): Promise<string> => git(dir, ...(bare ? ['--git-dir', dir] : []), 'config', 'annex.uuid');
  net = { laptop, desktop, server: hub, uuid: { laptop: await uuidOf(laptop), desktop: await uuidOf(desktop), server: await uuidOf(hub, true) } };
});

test('plan: a git-annex peer that publishes no links is reached through the server it shares, not "unreachable"', needsGitAnnex, async () => {
  writeFiles(net.laptop, { 'new.jpg': Buffer.alloc(3000, 9) });
  await arbor(net.laptop, 'add', 'new.jpg');
  const plan = JSON.parse(await arbor(net.laptop, 'plan', 'new.jpg', '--json')) as { edges: Array<{ from: string; to: string }>; unreachable: string[] };
  assert.deepEqual(plan.unreachable, []);
  assert.deepEqual(
    plan.edges.map((e) => [e.from, e.to]),
    [
      [net.uuid.laptop, net.uuid.server],
      [net.uuid.server, net.uuid.desktop],
    ],
  );
  const human = await arbor(net.laptop, 'plan', 'new.jpg');
  assert.match(human, /here \(laptop, [0-9a-f]{8}\) -> origin \(/, 'the server by its remote name');
  assert.match(human, /origin \([^)]*\) -> desktop with git-annex \([0-9a-f]{8}\) {2}cost 200 \(assumed: it syncs through there\)/);
  assert.doesNotMatch(human, /unreachable/);
});

test('map: remote names on the boxes, the peer\'s links drawn as assumed; png through Graphviz, or one line naming dot', needsGitAnnex, async () => {
  const map = JSON.parse(await arbor(net.laptop, 'map', '--format', 'json')) as {
    nodes: Array<{ uuid: string; remotes?: string[] }>;
    edges: Array<{ from: string; to: string; inferred?: boolean }>;
  };
  assert.deepEqual(map.nodes.find((n) => n.uuid === net.uuid.server)?.remotes, ['origin']);
  const assumed = map.edges.filter((e) => e.inferred === true).map((e) => [e.from, e.to]);
  assert.deepEqual(assumed.sort(), [[net.uuid.desktop, net.uuid.server], [net.uuid.server, net.uuid.desktop]].sort());
  const dot = await arbor(net.laptop, 'map', '--format', 'dot');
  assert.match(dot, /label="origin\\n/);
  assert.match(dot, /style=dotted/);

  const dotThere = (await run('sh', ['-c', 'command -v dot'])).code === 0;
  if (dotThere) {
    const out = join(net.laptop, '..', 'map.png');
    await arbor(net.laptop, 'map', '--format', 'png', '-o', out);
    const head = (await ok('head', ['-c', '8', out])).slice(1, 4);
    assert.equal(head, 'PNG');
  }
  // Without dot on PATH: one line that names it, exit 1.
  const bin = join(net.laptop, '..', 'bin-without-dot');
  mkdirSync(bin);
  for (const tool of ['git', 'node']) symlinkSync((await ok('sh', ['-c', `command -v ${tool}`])).trim(), join(bin, tool));
  const r = await runArbor(['map', '--format', 'png'], { cwd: net.laptop, env: { PATH: bin } });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^git-arbor: map --format png needs Graphviz's dot, which is not on PATH/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});

test('log: commits and transfers in local time, each naming the copy', needsGitAnnex, async () => {
  const out = await arbor(net.laptop, 'log');
  const lines = out.trim().split('\n');
  const stamp = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}/;
  for (const l of lines) assert.match(l, stamp);
  assert.ok(lines.some((l) => /\bhere\s+committed .*photo\.jpg/.test(l)), out);
  assert.ok(lines.some((l) => /\borigin\s+received photo\.jpg$/.test(l)), out);
  assert.ok(lines.some((l) => /\bdesktop with git-annex\s+received photo\.jpg$/.test(l)), out);
  // Newest first, and bounded.
  const one = (await arbor(net.laptop, 'log', '-n', '1')).trim().split('\n');
  assert.equal(one.length, 1);
  const words = (l: string | undefined): string => (l ?? '').replace(/\s+/g, ' ');
  assert.equal(words(one[0]), words(lines[0]));
  assert.equal((await arbor(net.laptop, 'log', '--since', '2099-01-01')).trim(), 'nothing happened in that time');
});

test('log FILE: only that file, every copy that received it as git annex log FILE lists them', needsGitAnnex, async () => {
  writeFiles(net.laptop, { 'notes.bin': Buffer.alloc(3000, 7) });
  await arbor(net.laptop, 'add', 'notes.bin');
  await arbor(net.laptop, 'sync', '--content');
  const photo = await arbor(net.laptop, 'log', 'photo.jpg');
  assert.doesNotMatch(photo, /notes\.bin/, 'nothing about the other file');
  assert.match(photo, /\bhere\s+committed photo\.jpg$/m);
  const received = new Set([...photo.matchAll(/^\S+ \S+ {2}(.+?)\s+received photo\.jpg$/gm)].map((m) => m[1]?.trim()));
  assert.deepEqual([...received].sort(), ['desktop with git-annex', 'here', 'origin'].sort(), photo);
  // git-annex's own location history of the file names the same copies.
  const annexLog = (await run('git', ['annex', 'log', 'photo.jpg'], { cwd: net.laptop })).stdout;
  for (const uuid of [net.uuid.laptop, net.uuid.server, net.uuid.desktop]) assert.match(annexLog, new RegExp(`^\\+ .*${uuid}`, 'm'), annexLog);
  const notes = await arbor(net.laptop, 'log', 'notes.bin');
  assert.match(notes, /\bhere\s+committed notes\.bin$/m);
  assert.match(notes, /\borigin\s+received notes\.bin$/m);
  assert.doesNotMatch(notes, /photo\.jpg/);
  // From a subdirectory, a path is relative to it, as git's are; a file with no history says so.
  mkdirSync(join(net.laptop, 'sub'), { recursive: true });
  const r = await runArbor(['log', '../notes.bin'], { cwd: join(net.laptop, 'sub') });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /committed notes\.bin/);
  assert.equal((await arbor(net.laptop, 'log', 'never-there.txt')).trim(), 'no history of never-there.txt');
});
