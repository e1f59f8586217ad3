// The transfer queue: no duplicate transfers, next/later order, dequeueMatching, deferred downloads, waiting takers.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseKey, type Key } from '../../src/annex/key.js';
import { TransferQueue, jobId, type TransferJob } from '../../src/transfers/queue.js';

function k(n: number): Key {
  const key = parseKey(`SHA256E-s${n}--${String(n).padStart(64, '0')}.bin`);
  assert.ok(key);
  return key;
}
const up = (n: number, remote = 'r'): TransferJob => ({ direction: 'upload', key: k(n), file: `f${n}`, remote });
const down = (n: number, remote?: string): TransferJob => ({ direction: 'download', key: k(n), file: `f${n}`, ...(remote ? { remote } : {}) });
const names = (jobs: readonly TransferJob[]): string[] => jobs.map((j) => `${j.direction[0]}${j.file}${j.remote ? `@${j.remote}` : ''}`);

test('the same (direction, key, remote) is queued once; another remote, direction or key is another job', () => {
  const q = new TransferQueue();
  assert.equal(q.add(up(1)), true);
  assert.equal(q.add({ ...up(1), file: 'other/name/for/the/same/key' }), false, 'the file name is not part of the identity');
  assert.equal(q.add(up(1, 's')), true);
  assert.equal(q.add(down(1)), true);
  assert.equal(q.add(down(1, 'r')), true, 'a download from a named remote differs from one from any remote');
  assert.equal(q.add(up(2)), true);
  assert.equal(q.size, 5);
  assert.notEqual(jobId(down(1)), jobId(down(1, 'r')));
});

test('a running job is not queued again until it completes', () => {
  const q = new TransferQueue();
  q.add(up(1));
  const job = q.tryTake();
  assert.ok(job);
  assert.equal(q.add(up(1)), false, 'the same transfer is running');
  assert.equal(q.size, 0);
  q.complete(job);
  assert.equal(q.add(up(1)), true, 'after it finished it may be queued again (say, it failed)');
});

test('later jobs go to the back, next jobs to the front; a duplicate added as next moves forward', () => {
  const q = new TransferQueue();
  q.add(up(1));
  q.add(up(2), 'later');
  q.add(up(3), 'next');
  assert.deepEqual(names(q.queued()), ['uf3@r', 'uf1@r', 'uf2@r']);
  assert.equal(q.add(up(2), 'next'), false);
  assert.deepEqual(names(q.queued()), ['uf2@r', 'uf3@r', 'uf1@r']);
  assert.equal(q.add(up(2), 'later'), false);
  assert.deepEqual(names(q.queued()), ['uf2@r', 'uf3@r', 'uf1@r'], 'a later duplicate does not move a queued job back');
  assert.deepEqual(names([q.tryTake(), q.tryTake(), q.tryTake()].filter((j) => j !== undefined)), ['uf2@r', 'uf3@r', 'uf1@r']);
  assert.equal(q.tryTake(), undefined);
});

test('dequeueMatching removes only matching queued jobs and returns them', () => {
  const q = new TransferQueue();
  for (const j of [up(1, 'usb'), up(2, 'cloud'), up(3, 'usb'), down(4)]) q.add(j);
  const running = q.tryTake();
  assert.deepEqual(names(running ? [running] : []), ['uf1@usb']);
  const removed = q.dequeueMatching((j) => j.remote === 'usb');
  assert.deepEqual(names(removed), ['uf3@usb'], 'the running usb job is not touched');
  assert.deepEqual(names(q.queued()), ['uf2@cloud', 'df4']);
  assert.deepEqual(q.dequeueMatching(() => false), []);
});

test('deferred downloads wait outside the queue until requeued, without duplicates', () => {
  const q = new TransferQueue();
  q.defer(down(1));
  q.defer(down(1));
  q.defer(down(2));
  assert.equal(q.size, 0);
  assert.deepEqual(names(q.deferred()), ['df1', 'df2']);
  q.add(down(3));
  assert.equal(q.requeueDeferred(), 2);
  assert.deepEqual(names(q.queued()), ['df3', 'df1', 'df2']);
  assert.deepEqual(q.deferred(), []);
  q.defer(down(3));
  assert.deepEqual(q.deferred(), [], 'a job already queued is not deferred as well');
  q.dequeueMatching(() => true);
  q.defer(down(5));
  q.add(down(5));
  assert.deepEqual(q.deferred(), [], 'adding a deferred job takes it out of the deferred set');
  assert.deepEqual(names(q.queued()), ['df5']);
});

test('take waits for a job, hands each job to one taker, and rejects on abort', async () => {
  const q = new TransferQueue();
  const first = q.take();
  const second = q.take();
  q.add(up(1));
  q.add(up(2));
  assert.deepEqual(names([await first, await second]), ['uf1@r', 'uf2@r']);
  assert.equal(q.activeCount, 2);
  const ac = new AbortController();
  const waiting = q.take(ac.signal);
  ac.abort(new Error('stop'));
  await assert.rejects(waiting, /stop/);
  q.add(up(3));
  assert.equal(q.size, 1, 'an aborted taker takes nothing');
});

test('a taker with a condition gets the first job it accepts, skipping others; recheck hands it one once it accepts more', async () => {
  const q = new TransferQueue();
  q.add(up(1, 'nas'));
  q.add(up(2, 'usb'));
  assert.deepEqual(names([await q.take(undefined, (j) => j.remote === 'usb')]), ['uf2@usb'], 'the job it accepts, behind one it does not');
  let open = false;
  const waiting = q.take(undefined, (j) => open || j.remote === 'usb');
  q.add(up(3, 'nas'));
  let got: TransferJob | undefined;
  void waiting.then((j) => (got = j));
  await new Promise((r) => setImmediate(r));
  assert.equal(got, undefined, 'nothing it accepts yet');
  open = true;
  q.recheck();
  assert.deepEqual(names([await waiting]), ['uf1@nas'], 'the first queued job, once it accepts it');
  assert.deepEqual(names(q.queued()), ['uf3@nas']);
});

test('onChange fires on every change of queue or active set', () => {
  let n = 0;
  const q = new TransferQueue({ onChange: () => n++ });
  q.add(up(1));
  const j = q.tryTake();
  assert.ok(j);
  q.complete(j);
  q.defer(down(2));
  q.requeueDeferred();
  assert.ok(n >= 5, `changes seen: ${n}`);
});
