// Tests for the repository graph and its JSON form (src/network/graph.ts).
import '../helpers/env.js';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  InvalidRepoGraphError,
  UnknownRepositoryError,
  addLink,
  addRepository,
  createRepoGraph,
  fromJson,
  toJson,
} from '../../src/network/graph.js';

const A = '11111111-1111-1111-1111-111111111111';
const B = '22222222-2222-2222-2222-222222222222';
const C = '33333333-3333-3333-3333-333333333333';

test('toJson prints nodes and edges in the documented shape, sorted', () => {
  const g = createRepoGraph();
  addRepository(g, C, { description: 'usb drive', here: false });
  addRepository(g, A, { description: 'laptop', here: true });
  addRepository(g, B, { description: 'server', here: false });
  addLink(g, { from: B, to: C, cost: 200, available: true });
  addLink(g, { from: A, to: C, cost: 100, available: false });
  addLink(g, { from: A, to: B, cost: 200, available: true });
  addLink(g, { from: A, to: C, cost: 100, available: true });
  addLink(g, { from: A, to: B, cost: 100, available: true });
  assert.equal(
    JSON.stringify(toJson(g)),
    JSON.stringify({
      nodes: [
        { uuid: A, description: 'laptop', here: true },
        { uuid: B, description: 'server', here: false },
        { uuid: C, description: 'usb drive', here: false },
      ],
      edges: [
        { from: A, to: B, cost: 100, available: true },
        { from: A, to: B, cost: 200, available: true },
        { from: A, to: C, cost: 100, available: false },
        { from: A, to: C, cost: 100, available: true },
        { from: B, to: C, cost: 200, available: true },
      ],
    }),
  );
});

test('fromJson reads back what toJson wrote, parallel links included', () => {
  const json = {
    nodes: [
      { uuid: A, description: 'laptop', here: true },
      { uuid: B, description: 'server "ü"', here: false },
    ],
    edges: [
      { from: A, to: B, cost: 100, available: true },
      { from: A, to: B, cost: 100, available: true },
      { from: B, to: A, cost: 0.5, available: false },
    ],
  };
  const g = fromJson(JSON.parse(JSON.stringify(json)));
  assert.equal(g.order, 2);
  assert.equal(g.size, 3);
  assert.deepEqual(toJson(g), json);
  assert.deepEqual(toJson(fromJson(toJson(g))), json);
});

test('default edge keys depend on the links, not on the order they were added', () => {
  const build = (reverse: boolean) => {
    const g = createRepoGraph();
    addRepository(g, A, { description: '', here: false });
    addRepository(g, B, { description: '', here: false });
    const links = [
      { from: A, to: B, cost: 5, available: true },
      { from: A, to: B, cost: 5, available: false },
      { from: A, to: B, cost: 5, available: true },
      { from: A, to: B, cost: 7, available: true },
    ];
    for (const l of reverse ? links.reverse() : links) addLink(g, l);
    return g.edges().sort();
  };
  assert.deepEqual(build(false), build(true));
  assert.equal(new Set(build(false)).size, 4);
});

test('addRepository replaces the attributes of a known repository', () => {
  const g = createRepoGraph();
  addRepository(g, A, { description: 'old', here: false });
  addRepository(g, A, { description: 'new', here: true });
  assert.deepEqual(toJson(g).nodes, [{ uuid: A, description: 'new', here: true }]);
});

test('addLink rejects unknown repositories, self-links, non-finite costs and duplicate keys', () => {
  const g = createRepoGraph();
  addRepository(g, A, { description: '', here: false });
  addRepository(g, B, { description: '', here: false });
  assert.throws(() => addLink(g, { from: A, to: C, cost: 1, available: true }), (e: unknown) => e instanceof UnknownRepositoryError && e.code === 'EUNKNOWNREPO');
  assert.throws(() => addLink(g, { from: A, to: A, cost: 1, available: true }), InvalidRepoGraphError);
  assert.throws(() => addLink(g, { from: A, to: B, cost: Number.NaN, available: true }), InvalidRepoGraphError);
  assert.throws(() => addLink(g, { from: A, to: B, cost: Infinity, available: true }), InvalidRepoGraphError);
  assert.equal(addLink(g, { from: A, to: B, cost: 1, available: true, key: 'origin' }), 'origin');
  assert.throws(() => addLink(g, { from: B, to: A, cost: 1, available: true, key: 'origin' }), (e: unknown) => e instanceof InvalidRepoGraphError && e.code === 'EREPOGRAPH');
  assert.equal(g.size, 1);
});

test('fromJson rejects malformed maps with EREPOGRAPH', () => {
  const bad: unknown[] = [
    null,
    [],
    { nodes: [] },
    { nodes: [{ uuid: A, description: 'x' }], edges: [] },
    { nodes: [{ uuid: A, description: 'x', here: 'yes' }], edges: [] },
    { nodes: [{ uuid: A, description: '', here: false }, { uuid: A, description: '', here: false }], edges: [] },
    { nodes: [{ uuid: A, description: '', here: false }, { uuid: B, description: '', here: false }], edges: [{ from: A, to: B, cost: '1', available: true }] },
    { nodes: [{ uuid: A, description: '', here: false }], edges: [7] },
  ];
  for (const json of bad) {
    assert.throws(() => fromJson(json), (e: unknown) => e instanceof InvalidRepoGraphError && e.code === 'EREPOGRAPH', JSON.stringify(json));
  }
  // An edge to a repository the map does not list.
  assert.throws(() => fromJson({ nodes: [{ uuid: A, description: '', here: false }], edges: [{ from: A, to: B, cost: 1, available: true }] }), UnknownRepositoryError);
});
