// Lanes: one remote's work waits only on that remote's earlier work; repeated requests join the one waiting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Lanes } from '../../src/assistant/lanes.js';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

test('work in one lane never waits on a hung task in another; within a lane it runs in order', async () => {
  const lanes = new Lanes();
  const hung = deferred();
  const order: string[] = [];
  const nasFetch = lanes.run('nas', async () => {
    await hung.promise;
    order.push('nas fetch');
  });
  const nasPush = lanes.run('nas', async () => void order.push('nas push'));
  await lanes.run('origin', async () => void order.push('origin fetch'));
  await lanes.run('origin', async () => void order.push('origin push'));
  assert.deepEqual(order, ['origin fetch', 'origin push'], 'origin done while nas hangs');
  hung.resolve();
  await Promise.all([nasFetch, nasPush]);
  assert.deepEqual(order.slice(2), ['nas fetch', 'nas push']);
});

test('a failing task fails only its own promise; the lane goes on', async () => {
  const lanes = new Lanes();
  await assert.rejects(lanes.run('nas', async () => Promise.reject(new Error('stalled'))), /stalled/);
  assert.equal(await lanes.run('nas', async () => 'next'), 'next');
});

test('requests of one kind while one is waiting join it: a burst queues one more fetch, not many', async () => {
  const lanes = new Lanes();
  const hung = deferred();
  let fetches = 0;
  const started = deferred();
  const first = lanes.once('nas', 'fetch', async () => {
    fetches++;
    started.resolve();
    await hung.promise;
  });
  await started.promise; // the first fetch is running (hung), no longer waiting
  const queued = Array.from({ length: 50 }, () => lanes.once('nas', 'fetch', async () => void fetches++));
  const push = lanes.once('nas', 'push', async () => 'pushed');
  hung.resolve();
  await Promise.all([first, ...queued]);
  assert.equal(fetches, 2, 'the running fetch, and one more for everything asked meanwhile');
  assert.equal(await push, 'pushed', 'another kind is not joined');
});
