// One content pass for the CLI and the assistant: the same steps, with the CLI's routes (every wanting remote) or the plan's (children in the tree).
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openAnnex } from '../../src/annex/annex.js';
import { requireKey } from '../../src/annex/key.js';
import { emptyPreferredContentConfig, PreferredContent } from '../../src/annex/preferred-content.js';
import { listAnnexedFiles, type AnnexedFile } from '../../src/content/annexed-files.js';
import { loadDropPolicy } from '../../src/content/auto-drop.js';
import { runContentPass, type ContentRoutes } from '../../src/content/content-pass.js';
import { directRoutes } from '../../src/content/direct-routes.js';
import { plannedRoutes } from '../../src/content/planned-routes.js';
import { filesToVisit, ALL_FILES } from '../../src/content/pass-work.js';
import type { PlanTargets } from '../../src/content/plan-targets.js';
import { openSession } from '../../src/content/session.js';
import { addLink, addRepository, createRepoGraph } from '../../src/network/graph.js';
import { runArbor } from '../helpers/run.js';
import { makeRepo, writeFiles } from '../helpers/repo.js';

const file: AnnexedFile = { path: 'big.dat', key: requireKey(`SHA256E-s1000--${'a'.repeat(64)}.dat`) } as AnnexedFile;

/** A → B cheap, A → C dear, B → C cheap, seen from A, whose remotes b and c reach B and C. */
function fromA(preferred: PreferredContent, unavailable: Set<string> = new Set(), bSendsToA = false): { direct: ContentRoutes; planned: ContentRoutes; plans: PlanTargets[] } {
  const graph = createRepoGraph();
  for (const n of ['A', 'B', 'C']) addRepository(graph, n, { description: `repo ${n}`, here: n === 'A' });
  addLink(graph, { from: 'A', to: 'B', cost: 10, available: true });
  addLink(graph, { from: 'A', to: 'C', cost: 1000, available: true });
  addLink(graph, { from: 'B', to: 'C', cost: 10, available: true });
  if (bSendsToA) addLink(graph, { from: 'B', to: 'A', cost: 10, available: true });
  const remotes = [{ name: 'b', uuid: 'B' }, { name: 'c', uuid: 'C' }];
  const plans: PlanTargets[] = [];
  return { direct: directRoutes({ here: 'A', preferred, remotes, unavailable }), planned: plannedRoutes({ here: 'A', graph, preferred, remotes, unavailable, plans }), plans };
}

test('the CLI sends to every remote that wants the content; the assistant only to its children in the plan, and B forwards', async () => {
  const { direct, planned, plans } = fromA(new PreferredContent(emptyPreferredContentConfig()));
  assert.deepEqual(await direct.send(file, ['A']), ['b', 'c'], 'git annex sync --content sends to each remote that lacks it');
  assert.deepEqual(await planned.send(file, ['A']), ['b'], 'the dear link A→C is left to B');
  assert.deepEqual(plans.at(-1)?.reached, ['B', 'C']);
  assert.deepEqual(await direct.send(file, ['A', 'B']), ['c'], 'a remote the location log lists is skipped');
});

test('fetching: the CLI fetches what this repository wants; the assistant waits while a sender in the plan reaches it', async () => {
  const everything = new PreferredContent(emptyPreferredContentConfig());
  assert.deepEqual(await fromA(everything).direct.receive(file, ['B']), { fetch: true });
  assert.deepEqual(await fromA(everything).planned.receive(file, ['B']), { fetch: true }, 'no link from B to A: A fetches');
  assert.deepEqual(await fromA(everything, new Set(), true).direct.receive(file, ['B']), { fetch: true }, 'the CLI fetches whatever the map says');
  assert.deepEqual(await fromA(everything, new Set(), true).planned.receive(file, ['B']), { fetch: false }, 'B runs an assistant with a remote for A: A waits for it');
  const wantsNothing = new PreferredContent({ ...emptyPreferredContentConfig(), preferred: new Map([['A', 'exclude=*']]) });
  assert.deepEqual(await fromA(wantsNothing).direct.receive(file, ['B']), { fetch: false }, 'not wanted here: not fetched');
  assert.deepEqual(await fromA(wantsNothing).planned.receive(file, ['B']), { fetch: false });
});

test('a remote that does not want the content, or is lost during the pass, is not sent to', async () => {
  const cWantsNothing = new PreferredContent({ ...emptyPreferredContentConfig(), preferred: new Map([['C', 'exclude=*']]) });
  assert.deepEqual(await fromA(cWantsNothing).direct.send(file, ['A']), ['b']);
  const lost = new Set(['b']);
  const { direct, planned, plans } = fromA(new PreferredContent(emptyPreferredContentConfig()), lost);
  assert.deepEqual(await direct.send(file, ['A']), ['c']);
  // The map of this batch still shows the link to B; the next batch maps B as away and routes around it.
  assert.deepEqual(await planned.send(file, ['A']), [], 'nothing is sent through the lost remote');
  assert.deepEqual(plans.at(-1)?.unroutable, ['B'], 'B is named as not reached');
});

test('a pass over a real repository: fetches settle before any send, content here goes where the routes say, lost remotes are skipped', async () => {
  const dir = await makeRepo({ name: 'passer' });
  assert.equal((await runArbor(['init', 'passer'], { cwd: dir })).code, 0);
  writeFiles(dir, { '.gitattributes': '* annex.largefiles=anything\n', 'a.bin': 'first', 'b.bin': 'second', 'c.bin': 'third' });
  assert.equal((await runArbor(['add', 'a.bin', 'b.bin', 'c.bin'], { cwd: dir })).code, 0);
  const annex = await openAnnex(dir);
  try {
    const files = await listAnnexedFiles(annex);
    const absent = files.find((f) => f.path === 'b.bin') ?? assert.fail('b.bin is annexed');
    assert.ok(await annex.store.remove(absent.key));
    const session = await openSession(annex);
    session.unavailable.add('lost');
    const calls: string[] = [];
    const routes: ContentRoutes = {
      receive: async (f) => (calls.push(`receive ${f.path}`), { fetch: true, from: 'up' }),
      send: async (f) => (calls.push(`send? ${f.path}`), ['down', 'lost']),
    };
    const pass = await runContentPass({
      session,
      chunks: filesToVisit(annex, ALL_FILES),
      setup: async () => ({ routes, policy: await loadDropPolicy(session), targets: [] }),
      runner: {
        download: async (f, from) => void calls.push(`download ${f.path} from ${from}`),
        upload: async (f, to) => void calls.push(`upload ${f.path} to ${to}`),
        settle: async () => void calls.push('settle'),
      },
    });
    assert.equal(pass.checked, 3);
    assert.deepEqual(calls, [
      'receive b.bin',
      'download b.bin from up',
      'settle',
      'send? a.bin',
      'upload a.bin to down',
      'send? c.bin',
      'upload c.bin to down',
      'settle',
    ]);
  } finally {
    await annex.close();
  }
});
