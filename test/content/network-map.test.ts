// The network map of a real repository: its remotes with git-annex's costs, links other repositories published, publishing its own.
import '../helpers/env.js';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { openAnnex, type Annex } from '../../src/annex/annex.js';
import { initAnnex } from '../../src/annex/init.js';
import { NETWORK_LOG, readPublishedLinks, writePublishedLinks } from '../../src/annex/logs/network.js';
import { REMOTE_LOG } from '../../src/annex/logs/paths.js';
import { setTrust } from '../../src/annex/logs/trust.js';
import { describeRepository } from '../../src/annex/logs/uuid.js';
import { buildNetworkMap } from '../../src/content/network-map.js';
import { adjustCost, ownLinks, publishNetworkEdges } from '../../src/content/own-links.js';
import { toJson } from '../../src/network/graph.js';
import { git, makeRepo } from '../helpers/repo.js';
import { arbor } from '../helpers/arbor.js';
import { tempDir } from '../helpers/tmp.js';

const F = 'ffffffff-0000-0000-0000-000000000000'; // a server over ssh
const G = '99999999-0000-0000-0000-000000000000'; // a drive that is not mounted
const K = 'cccccccc-0000-0000-0000-000000000000'; // an ssh remote with annex-cost
const L = '11111111-0000-0000-0000-000000000000'; // an ssh remote with remote.log cost=
const D = 'dddddddd-0000-0000-0000-000000000000'; // only known through F's published links
const X = 'eeeeeeee-0000-0000-0000-000000000000'; // dead

/** H ("home") with remotes of every kind; `usb` is a real arbor repository next to it. */
async function home(): Promise<{ annex: Annex; usb: string; dir: string }> {
  const parent = tempDir('arbor-netmap-');
  const dir = await makeRepo({ parent, name: 'H' });
  await initAnnex(dir, { description: 'home' });
  const usb = await makeRepo({ parent, name: 'usb' });
  const usbUuid = (await initAnnex(usb, { description: 'usb drive' })).uuid;
  mkdirSync(join(parent, 'mnt'));
  await git(dir, 'remote', 'add', 'usb', '../usb');
  await git(dir, 'remote', 'add', 'gone', join(parent, 'mnt', 'unplugged'));
  await git(dir, 'config', 'remote.gone.annex-uuid', G);
  await git(dir, 'remote', 'add', 'far', 'example.org:repo.git');
  await git(dir, 'config', 'remote.far.annex-uuid', F);
  await git(dir, 'remote', 'add', 'cheap', 'ssh://example.org/cheap');
  await git(dir, 'config', 'remote.cheap.annex-uuid', K);
  await git(dir, 'config', 'remote.cheap.annex-cost', '5');
  await git(dir, 'remote', 'add', 'lc', 'ssh://example.org/lc');
  await git(dir, 'config', 'remote.lc.annex-uuid', L);
  await git(dir, 'remote', 'add', 'ignored', '../usb');
  await git(dir, 'config', 'remote.ignored.annex-ignore', 'true');
  await git(dir, 'remote', 'add', 'plain', 'https://example.org/plain.git'); // no annex uuid: no link
  const annex = await openAnnex(dir);
  const now = annex.now();
  await annex.branch.change(REMOTE_LOG, () => `${L} cost=150 name=lc type=git timestamp=1s\n`);
  await describeRepository(annex.branch, { uuid: F, description: 'far server', now });
  await describeRepository(annex.branch, { uuid: X, description: 'lost', now });
  await setTrust(annex.branch, { uuid: X, level: 'dead', now });
  await writePublishedLinks(annex.branch, { from: F, links: [{ to: D, cost: 300, available: true }, { to: X, cost: 1, available: true }, { to: annex.uuid, cost: 200, available: false }], now });
  await writePublishedLinks(annex.branch, { from: X, links: [{ to: F, cost: 1, available: true }], now });
  // A stale line of H itself: the map uses H's remotes as they are now.
  await writePublishedLinks(annex.branch, { from: annex.uuid, links: [{ to: D, cost: 1, available: true }], now });
  await annex.branch.commit();
  assert.ok(usbUuid);
  return { annex, usb: usbUuid, dir };
}

test('the map: repositories from uuid.log, own remotes with git-annex costs and availability, others\' published links, no dead ones', async () => {
  const { annex, usb } = await home();
  try {
    const map = toJson(await buildNetworkMap(annex));
    const H = annex.uuid;
    assert.deepEqual(
      map.nodes.map((n) => [n.uuid, n.description, n.here]),
      [
        [L, '', false],
        [G, '', false],
        [K, '', false],
        [D, '', false],
        [F, 'far server', false],
        [H, 'home', true],
        [usb, '', false], // its uuid.log line is in its own branch, not merged here yet
      ].sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1)),
    );
    const edges = map.edges.map((e) => `${e.from === H ? 'H' : e.from === F ? 'F' : e.from}>${e.to === H ? 'H' : e.to === usb ? 'usb' : e.to} ${e.cost}${e.available ? '' : ' down'}`);
    assert.deepEqual(edges.sort(), [
      `F>${D} 300`,
      'F>H 200 down',
      `H>${F} 200`, // ssh default
      `H>${G} 100 down`, // local path, not there
      `H>${K} 5`, // annex-cost
      `H>${L} 150`, // remote.log cost=
      'H>usb 100', // local path default, uuid read from its git config
    ].sort());
  } finally {
    await annex.close();
  }
});

test('publishing: own links go to arbor/network.log, learnt uuids are recorded, removed remotes are withdrawn', async () => {
  const { annex, usb, dir } = await home();
  try {
    assert.equal(await publishNetworkEdges(annex, { reachable: new Map([['far', false]]) }), true);
    await annex.branch.commit();
    const mine = (await readPublishedLinks(annex.branch)).filter((l) => l.from === annex.uuid).map((l) => [l.to, l.cost, l.available, l.name]);
    assert.deepEqual(mine, [
      [L, 150, true, 'lc'],
      [G, 100, false, 'gone'],
      [K, 5, true, 'cheap'],
      [F, 200, false, 'far'], // the sync could not reach it
      [usb, 100, true, 'usb'],
    ].sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1)));
    assert.equal(await git(dir, 'config', 'remote.usb.annex-uuid'), usb);
    assert.equal(await publishNetworkEdges(annex, { reachable: new Map([['far', false]]) }), false, 'nothing changed: nothing written');
    // Not tried in this sync: an ssh remote keeps what was published last (unreachable).
    assert.equal(await publishNetworkEdges(annex), false);

    await git(dir, 'remote', 'remove', 'gone');
    assert.equal(await publishNetworkEdges(annex), true);
    await annex.branch.commit();
    const text = await git(dir, 'show', `git-annex:${NETWORK_LOG}`);
    assert.match(text, new RegExp(`^\\S+ ${annex.uuid} ${G} 0$`, 'm'));
    assert.equal((await readPublishedLinks(annex.branch)).some((l) => l.to === G), false);
    // Other repositories' lines are untouched.
    assert.match(text, new RegExp(`^\\S+ ${F} ${D} 1 available=1 cost=300$`, 'm'));
  } finally {
    await annex.close();
  }
});

test('measured throughput and latency raise default costs only; an explicit annex-cost is kept', async () => {
  assert.equal(adjustCost(100, undefined), 100);
  assert.equal(adjustCost(100, { bytesPerSecond: 200e6 }), 100);
  assert.equal(adjustCost(100, { bytesPerSecond: 10e6 }), 200);
  assert.equal(adjustCost(100, { bytesPerSecond: 1e6 }), 300);
  assert.equal(adjustCost(100, { bytesPerSecond: 1 }), 400, 'capped');
  assert.equal(adjustCost(200, { latencyMs: 250 }), 225);
  assert.equal(adjustCost(200, { latencyMs: 1e6 }), 300, 'capped');
  assert.equal(adjustCost(100, { bytesPerSecond: 0, latencyMs: -5 }), 100, 'nonsense is ignored');

  const { annex } = await home();
  try {
    const links = await ownLinks(annex, { measure: ({ name }) => (name === 'far' || name === 'cheap' ? { bytesPerSecond: 10e6 } : undefined) });
    const cost = (name: string): number | undefined => links.find((l) => l.name === name)?.cost;
    assert.equal(cost('far'), 300);
    assert.equal(cost('cheap'), 5);
    assert.equal(links.find((l) => l.name === 'cheap')?.costSource, 'config');
  } finally {
    await annex.close();
  }
});

test('a directory special remote is a node: links into it from every copy that has it, and back (fetches); missing folder: down', async () => {
  const parent = tempDir('arbor-netmap-special-');
  const dir = await makeRepo({ parent, name: 'H' });
  await initAnnex(dir, { description: 'home' });
  const store = join(parent, 'nas');
  mkdirSync(store);
  await arbor(dir, 'initremote', 'nas', 'type=directory', `directory=${store}`, 'encryption=none');
  const S = await git(dir, 'config', 'remote.nas.annex-uuid');
  const P = '22222222-0000-0000-0000-000000000000'; // another copy that enabled nas and published it
  let annex = await openAnnex(dir);
  try {
    await describeRepository(annex.branch, { uuid: P, description: 'desktop', now: annex.now() });
    await writePublishedLinks(annex.branch, { from: P, links: [{ to: S, cost: 100, available: true }], now: annex.now() });
    await annex.branch.commit();
    const H = annex.uuid;
    const short = (u: string): string => (u === H ? 'H' : u === S ? 'S' : u === P ? 'P' : u);
    const map = toJson(await buildNetworkMap(annex));
    assert.deepEqual(map.nodes.find((n) => n.uuid === S)?.special, true);
    assert.deepEqual(map.nodes.find((n) => n.uuid === S)?.remotes, ['nas']);
    assert.deepEqual(map.edges.map((e) => `${short(e.from)}>${short(e.to)} ${e.cost}${e.available ? '' : ' down'}${e.inferred ? ' inferred' : ''}`).sort(), ['H>S 100', 'P>S 100', 'S>H 100', 'S>P 100']);
    const own = await ownLinks(annex);
    assert.deepEqual(own.map((l) => [l.name, l.cost, l.costSource, l.available, l.special]), [['nas', 100, 'default', true, true]]);
  } finally {
    await annex.close();
  }
  renameSync(store, `${store}-away`);
  annex = await openAnnex(dir);
  try {
    const map = toJson(await buildNetworkMap(annex));
    assert.deepEqual(map.edges.filter((e) => e.from === annex.uuid).map((e) => e.available), [false], 'the folder is not there: the link is down');
  } finally {
    await annex.close();
  }
});
