// Tests for the work channels: Pool, Signal and KeyedWorkSet hand each item to one consumer, block, batch and abort.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyedWorkSet, Pool, Signal } from '../../src/util/channel.js';

/** Resolves to 'pending' if `p` has not settled after the current macrotask queue drains. */
async function state(p: Promise<unknown>): Promise<'pending' | 'resolved' | 'rejected'> {
  let s: 'pending' | 'resolved' | 'rejected' = 'pending';
  p.then(
    () => (s = 'resolved'),
    () => (s = 'rejected'),
  );
  await new Promise((r) => setImmediate(r));
  return s;
}

test('Pool.takeAll returns at once what is pending, in push order, and empties the pool', async () => {
  const pool = new Pool<number>();
  pool.push(1, 2);
  pool.push(3);
  assert.equal(pool.size, 3);
  assert.deepEqual(await pool.takeAll(), [1, 2, 3]);
  assert.equal(pool.size, 0);
  assert.deepEqual(pool.drain(), []);
});

test('Pool.takeAll blocks until a push, and items pushed in one synchronous run arrive as one batch', async () => {
  const pool = new Pool<string>();
  const taken = pool.takeAll();
  assert.equal(await state(taken), 'pending');
  pool.push('a');
  pool.push('b', 'c');
  assert.deepEqual(await taken, ['a', 'b', 'c']);
  assert.equal(pool.size, 0);
});

test('Pool gives each item to exactly one of several waiting consumers', async () => {
  const pool = new Pool<number>();
  const first = pool.takeAll();
  const second = pool.takeAll();
  pool.push(1);
  assert.deepEqual(await first, [1]);
  assert.equal(await state(second), 'pending');
  pool.push(2);
  assert.deepEqual(await second, [2]);
});

test('Pool.drain takes without blocking, and a waiter robbed by drain keeps waiting', async () => {
  const pool = new Pool<number>();
  const waiting = pool.takeAll();
  pool.push(7);
  assert.deepEqual(pool.drain(), [7]); // before the hand-off microtask runs
  assert.equal(await state(waiting), 'pending');
  pool.push(8);
  assert.deepEqual(await waiting, [8]);
});

test('Pool.takeAll rejects with the abort reason, and the aborted waiter takes nothing', async () => {
  const pool = new Pool<number>();
  const ac = new AbortController();
  const waiting = pool.takeAll(ac.signal);
  ac.abort(new Error('stop'));
  await assert.rejects(waiting, /stop/);
  pool.push(1);
  assert.equal(pool.size, 1);
  const done = new AbortController();
  done.abort();
  await assert.rejects(pool.takeAll(done.signal), { name: 'AbortError' });
  assert.equal(pool.size, 1, 'an already aborted signal takes nothing even when items are pending');
});

test('Signal: a notify before wait is not lost, several collapse into one', async () => {
  const s = new Signal();
  s.notify();
  s.notify();
  await s.wait();
  assert.equal(await state(s.wait()), 'pending');
});

test('Signal: a notify wakes every waiting consumer once', async () => {
  const s = new Signal();
  const a = s.wait();
  const b = s.wait();
  assert.equal(await state(a), 'pending');
  s.notify();
  await Promise.all([a, b]);
  assert.equal(await state(s.wait()), 'pending', 'the notify was consumed by the waiters, not latched');
});

test('Signal.wait rejects on abort and a later notify is latched for the next wait', async () => {
  const s = new Signal();
  const ac = new AbortController();
  const w = s.wait(ac.signal);
  ac.abort();
  await assert.rejects(w, { name: 'AbortError' });
  s.notify();
  assert.equal(await state(s.wait()), 'resolved');
});

test('KeyedWorkSet keeps one entry per key (latest value) and takeAll empties it', async () => {
  const set = new KeyedWorkSet<string, number>();
  set.set('origin', 1);
  set.set('usb', 2);
  set.set('origin', 3);
  assert.equal(set.size, 2);
  assert.equal(set.get('origin'), 3);
  assert.deepEqual(set.entries(), [
    ['origin', 3],
    ['usb', 2],
  ]);
  set.delete('usb');
  assert.deepEqual(await set.takeAll(), [['origin', 3]]);
  assert.equal(set.size, 0);
  assert.equal(set.get('origin'), undefined);
});

test('KeyedWorkSet.takeAll blocks until a set and rejects on abort', async () => {
  const set = new KeyedWorkSet<string, number>();
  const waiting = set.takeAll();
  assert.equal(await state(waiting), 'pending');
  set.set('a', 1);
  set.set('a', 2);
  assert.deepEqual(await waiting, [['a', 2]]);
  const ac = new AbortController();
  const aborted = set.takeAll(ac.signal);
  ac.abort(new Error('shutdown'));
  await assert.rejects(aborted, /shutdown/);
  set.set('b', 1);
  assert.deepEqual(set.entries(), [['b', 1]]);
});
