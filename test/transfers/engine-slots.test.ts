// Changing the transfer slots of a running engine (a live arbor.transfers.slots change): more slots start at once, fewer drain.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requireKey } from '../../src/annex/key.js';
import { TransferEngine, type TransferOutcome } from '../../src/transfers/engine.js';
import { TransferQueue, type TransferJob } from '../../src/transfers/queue.js';
import { systemClock } from '../../src/util/clock.js';

/** Lets promise callbacks run until `check` holds (bounded). */
async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 10_000; i++) {
    if (check()) return;
    await new Promise<void>((r) => setImmediate(r));
  }
  assert.fail(`never happened: ${what}`);
}

function job(n: number): TransferJob {
  return { direction: 'upload', key: requireKey(`SHA256E-s${n}--${String(n).padStart(64, '0')}`), file: `f${n}`, remote: 'nas' };
}

test('setSlots while running: more slots take queued jobs at once; fewer slots let running jobs finish and start no more than the new count', async () => {
  const queue = new TransferQueue();
  /** Jobs in perform, each released by the test. */
  const running = new Map<string, () => void>();
  let most = 0;
  const engine = new TransferEngine({
    queue,
    clock: systemClock,
    slots: 1,
    perform: (j) =>
      new Promise<TransferOutcome>((resolve) => {
        running.set(j.file, () => {
          running.delete(j.file);
          resolve('transferred');
        });
        most = Math.max(most, running.size);
      }),
  });
  const ac = new AbortController();
  const done = engine.run(ac.signal);
  for (let n = 1; n <= 8; n++) queue.add(job(n));
  await until('one job runs', () => running.size === 1);
  engine.setSlots(3);
  await until('three jobs run', () => running.size === 3);
  assert.equal(most, 3);

  // Down to one while all three are busy: they finish, and the other five jobs run one at a time.
  engine.setSlots(1);
  for (const release of [...running.values()]) release();
  most = 0;
  for (let n = 4; n <= 8; n++) {
    await until(`f${n} runs`, () => running.has(`f${n}`));
    assert.equal(most, 1, 'one slot');
    running.get(`f${n}`)?.();
  }
  await engine.whenIdle();
  ac.abort();
  await done;
});

test('each remote has its own slots: while transfers to a hung remote hold its slots, transfers to the others run; the hung remote takes no more than its slots', async () => {
  const queue = new TransferQueue();
  /** Jobs in perform, each released by the test (for 'nas', a transfer that hangs until then). */
  const running = new Map<string, () => void>();
  const finished: string[] = [];
  const engine = new TransferEngine({
    queue,
    clock: systemClock,
    slots: 2,
    perform: (j) =>
      new Promise<TransferOutcome>((resolve) => {
        const release = (): void => {
          running.delete(j.file);
          finished.push(j.file);
          resolve('transferred');
        };
        running.set(j.file, release);
        if (j.remote === 'usb') release();
      }),
  });
  const to = (remote: string, n: number): TransferJob => ({ ...job(n), file: `${remote}${n}`, remote });
  const ac = new AbortController();
  const done = engine.run(ac.signal);
  for (let n = 1; n <= 3; n++) queue.add(to('nas', n));
  for (let n = 1; n <= 4; n++) queue.add(to('usb', n));
  await until('every transfer to usb finished', () => finished.length === 4);
  assert.deepEqual(finished, ['usb1', 'usb2', 'usb3', 'usb4']);
  assert.deepEqual([...running.keys()], ['nas1', 'nas2'], 'nas holds its two slots, no more');
  assert.deepEqual(queue.queued().map((j) => j.file), ['nas3']);

  // The stall ends one of nas's transfers: its third starts in the slot that freed.
  running.get('nas1')?.();
  await until('nas3 runs', () => running.has('nas3'));
  running.get('nas2')?.();
  running.get('nas3')?.();
  await engine.whenIdle();
  ac.abort();
  await done;
});
