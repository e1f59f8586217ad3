// Tests for the batching policy on a fake clock: quiet period, max delay, max batch, dedupe and editor save patterns.
import '../../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChangeAggregator } from '../../../src/assistant/batching/change-aggregator.js';
import type { ChangeKind, FsChange } from '../../../src/assistant/watch/watcher.js';

const opts = { quietMs: 200, maxDelayMs: 5000, maxBatch: 5000 };
const ch = (kind: ChangeKind, path: string, time: number): FsChange => ({ kind, path, time });

test('nothing pending: nothing ready and nothing to wait for', () => {
  const agg = new ChangeAggregator(opts);
  assert.deepEqual(agg.poll(0), { ready: undefined, nextCheckAt: undefined });
});

test('a batch is ready once the tree has been quiet for quietMs, and not before', () => {
  const agg = new ChangeAggregator(opts);
  agg.add([ch('add', 'a', 1000), ch('add', 'b', 1050)]);
  assert.deepEqual(agg.poll(1100), { ready: undefined, nextCheckAt: 1250 });
  assert.deepEqual(agg.poll(1249).ready, undefined);
  assert.deepEqual(agg.poll(1250), { ready: ['a', 'b'], nextCheckAt: undefined });
  assert.equal(agg.pending, 0);
});

test('a new change restarts the quiet period', () => {
  const agg = new ChangeAggregator(opts);
  agg.add([ch('add', 'a', 0)]);
  agg.add([ch('add', 'b', 150)]);
  const r = agg.poll(200);
  assert.equal(r.ready, undefined);
  assert.equal(r.nextCheckAt, 350);
  assert.deepEqual(agg.poll(350).ready, ['a', 'b']);
});

test('under constant writes the oldest change is committed after maxDelayMs; the file still being written is held back', () => {
  const agg = new ChangeAggregator(opts);
  // 'log' is appended to every 100 ms for 6 s; 'doc' is saved once at t=0.
  agg.add([ch('add', 'doc', 0)]);
  let t = 0;
  let released: string[] | undefined;
  for (t = 0; t <= 6000 && released === undefined; t += 100) {
    agg.add([ch('change', 'log', t)]);
    const r = agg.poll(t);
    released = r.ready;
    if (released === undefined) assert.ok(r.nextCheckAt !== undefined && r.nextCheckAt > t);
  }
  // doc became overdue at t=5000; log started at t=0 too, so it is overdue as well and forced out.
  assert.equal(t - 100, 5000);
  assert.deepEqual(released, ['doc', 'log']);
});

test('a file being written is held back while settled files go out with an overdue batch', () => {
  const agg = new ChangeAggregator(opts);
  agg.add([ch('add', 'old', 0)]);
  agg.add([ch('add', 'settled', 1000)]);
  agg.add([ch('change', 'writing', 4000), ch('change', 'writing', 4950)]);
  assert.equal(agg.poll(4990).ready, undefined, 'writing changed 40 ms ago and nothing is overdue yet');
  const r = agg.poll(5000);
  assert.deepEqual(r.ready, ['old', 'settled']);
  assert.equal(agg.pending, 1);
  assert.equal(r.nextCheckAt, 5150, 'writing settles 200 ms after its last change');
  agg.add([ch('change', 'writing', 5100)]);
  assert.equal(agg.poll(5200).ready, undefined);
  assert.deepEqual(agg.poll(5300).ready, ['writing']);
});

test('a path changing without pause is forced out maxDelayMs after its first change', () => {
  const agg = new ChangeAggregator(opts);
  for (let t = 0; t < 5000; t += 50) agg.add([ch('change', 'busy', t)]);
  assert.equal(agg.poll(4999).ready, undefined);
  assert.equal(agg.poll(4999).nextCheckAt, 5000);
  assert.deepEqual(agg.poll(5000).ready, ['busy']);
});

test('at maxBatch settled paths a batch of exactly maxBatch goes out, oldest first, and the rest waits', () => {
  const agg2 = new ChangeAggregator({ quietMs: 200, maxDelayMs: 5000, maxBatch: 3 });
  agg2.add(['p0', 'p1', 'p2'].map((p, i) => ch('add', p, i * 10)));
  assert.equal(agg2.poll(100).ready, undefined, 'three paths, none settled: no batch yet');
  agg2.add(['p3', 'p4'].map((p, i) => ch('add', p, 30 + i * 10)));
  agg2.add([ch('add', 'fresh', 1000)]); // keeps the tree from being quiet
  const first = agg2.poll(1000);
  assert.deepEqual(first.ready, ['p0', 'p1', 'p2']);
  assert.equal(first.nextCheckAt, 1200, 'p3, p4 are fewer than maxBatch: wait for fresh to settle');
  const second = agg2.poll(1000);
  assert.equal(second.ready, undefined, 'p3, p4 are fewer than maxBatch and fresh is not settled');
  assert.equal(second.nextCheckAt, 1200);
  assert.deepEqual(agg2.poll(1200).ready, ['p3', 'p4', 'fresh']);
});

test('a quiet tree with more than maxBatch paths drains in maxBatch-sized batches', () => {
  const agg = new ChangeAggregator({ quietMs: 200, maxDelayMs: 5000, maxBatch: 2 });
  agg.add(['a', 'b', 'c', 'd', 'e'].map((p) => ch('add', p, 0)));
  const batches: string[][] = [];
  let now = 200;
  for (let i = 0; i < 10; i++) {
    const r = agg.poll(now);
    if (r.ready) batches.push(r.ready);
    if (r.nextCheckAt === undefined) break;
    now = r.nextCheckAt;
  }
  assert.deepEqual(batches, [['a', 'b'], ['c', 'd'], ['e']]);
});

test('a burst of 10,000 files becomes a few large commits, not thousands', () => {
  const agg = new ChangeAggregator(opts);
  const batches: string[][] = [];
  // 10,000 files written at 5 per ms (2 s), polled whenever the aggregator asks or new changes arrive.
  for (let i = 0; i < 10_000; i++) {
    const t = Math.floor(i / 5);
    agg.add([ch('add', `f${i}`, t)]);
    if (i % 100 === 99) {
      const r = agg.poll(t);
      if (r.ready) batches.push(r.ready);
    }
  }
  let r = agg.poll(2000);
  for (let guard = 0; r.nextCheckAt !== undefined && guard < 10; guard++) {
    r = agg.poll(r.nextCheckAt);
    if (r.ready) batches.push(r.ready);
  }
  assert.equal(batches.flat().length, 10_000);
  assert.equal(new Set(batches.flat()).size, 10_000);
  assert.ok(batches.length <= 3, `got ${batches.length} batches`);
  assert.ok(batches.every((b) => b.length <= 5000));
});

test('changes to one path are deduplicated, and the path keeps its place from its first change', () => {
  const agg = new ChangeAggregator(opts);
  agg.add([ch('add', 'a', 0), ch('add', 'b', 10), ch('change', 'a', 20), ch('change', 'a', 30), ch('unlink', 'b', 40)]);
  assert.equal(agg.pending, 2);
  assert.equal(agg.poll(239).ready, undefined);
  assert.deepEqual(agg.poll(240).ready, ['a', 'b']);
});

test('an editor save (temp file written, renamed over the target) yields the target once and the temp path for checking', () => {
  const agg = new ChangeAggregator(opts);
  agg.add([
    ch('add', '.notes.txt.tmp', 0),
    ch('change', '.notes.txt.tmp', 1),
    ch('unlink', '.notes.txt.tmp', 2),
    ch('change', 'notes.txt', 2),
  ]);
  const r = agg.poll(202);
  assert.deepEqual(r.ready, ['.notes.txt.tmp', 'notes.txt']);
  assert.equal(agg.pending, 0);
});

test('a file saved again after its batch went out starts a new wait', () => {
  const agg = new ChangeAggregator(opts);
  agg.add([ch('add', 'a', 0)]);
  assert.deepEqual(agg.poll(200).ready, ['a']);
  agg.add([ch('change', 'a', 300)]);
  assert.equal(agg.poll(400).ready, undefined);
  assert.deepEqual(agg.poll(500).ready, ['a']);
});

test('takeAll empties everything regardless of settling and of maxBatch', () => {
  const agg = new ChangeAggregator({ quietMs: 200, maxDelayMs: 5000, maxBatch: 2 });
  agg.add(['a', 'b', 'c'].map((p, i) => ch('add', p, i)));
  assert.deepEqual(agg.takeAll(), ['a', 'b', 'c']);
  assert.equal(agg.pending, 0);
  assert.deepEqual(agg.poll(10_000), { ready: undefined, nextCheckAt: undefined });
});

test('invalid options are refused', () => {
  assert.throws(() => new ChangeAggregator({ quietMs: 200, maxDelayMs: 5000, maxBatch: 0 }), RangeError);
  assert.throws(() => new ChangeAggregator({ quietMs: -1, maxDelayMs: 5000, maxBatch: 1 }), RangeError);
});

test('new options (a live settings change) judge what is already pending; bad ones are refused', () => {
  const agg = new ChangeAggregator({ quietMs: 5000, maxDelayMs: 60_000, maxBatch: 5000 });
  agg.add([ch('add', 'a', 1000), ch('add', 'b', 1000), ch('add', 'c', 1000)]);
  assert.deepEqual(agg.poll(1500), { ready: undefined, nextCheckAt: 6000 });
  agg.setOptions({ quietMs: 100, maxDelayMs: 60_000, maxBatch: 2 });
  assert.deepEqual(agg.options, { quietMs: 100, maxDelayMs: 60_000, maxBatch: 2 });
  assert.deepEqual(agg.poll(1500), { ready: ['a', 'b'], nextCheckAt: 1500 });
  assert.deepEqual(agg.poll(1500).ready, ['c']);
  assert.throws(() => agg.setOptions({ quietMs: 100, maxDelayMs: 100, maxBatch: 0 }), RangeError);
  assert.equal(agg.options.maxBatch, 2, 'the previous options stay');
});
