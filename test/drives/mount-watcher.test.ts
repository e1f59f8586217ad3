// The mount watcher on a fake clock and a scripted mount table: events, baseline, pokes, listing failures.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Clock } from '../../src/util/clock.js';
import type { Mount, MountSource } from '../../src/drives/mount-source.js';
import { MountWatcher, type MountEvent } from '../../src/drives/mount-watcher.js';

/** A clock whose sleeps end only when the test advances time (or their signal aborts). */
class FakeClock implements Clock {
  #now = 1_000_000;
  readonly #timers: Array<{ due: number; resolve: () => void }> = [];
  now(): number {
    return this.#now;
  }
  nowNanos(): bigint {
    return BigInt(this.#now) * 1_000_000n;
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason as Error);
      const timer = { due: this.#now + ms, resolve };
      this.#timers.push(timer);
      signal?.addEventListener('abort', () => {
        this.#timers.splice(this.#timers.indexOf(timer), 1);
        reject(signal.reason as Error);
      }, { once: true });
    });
  }
  /** Number of sleeps pending. */
  get sleeping(): number {
    return this.#timers.length;
  }
  advance(ms: number): void {
    this.#now += ms;
    for (const t of this.#timers.filter((x) => x.due <= this.#now)) {
      this.#timers.splice(this.#timers.indexOf(t), 1);
      t.resolve();
    }
  }
}

const usb: Mount = { mountPoint: '/media/usb', device: '8:17', source: '/dev/sdb1', fsType: 'vfat', readOnly: false };
const root: Mount = { mountPoint: '/', device: '254:0', source: '/dev/vda', fsType: 'ext4', readOnly: false };

/** A source returning whatever `table` holds; `fail` makes list() throw; counts calls. */
function scripted(): MountSource & { table: Mount[]; fail: boolean; calls: number } {
  const s = {
    name: 'scripted',
    table: [root],
    fail: false,
    calls: 0,
    list: async () => {
      s.calls++;
      if (s.fail) throw new Error('EIO');
      return [...s.table];
    },
  };
  return s;
}

/** Lets pending promise callbacks run. */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};

test('the first listing is a baseline; later listings report mounts and unmounts in order', async () => {
  const clock = new FakeClock();
  const source = scripted();
  const events: MountEvent[] = [];
  const w = new MountWatcher({ source, clock, onEvent: (e) => void events.push(e) });
  await w.check();
  assert.equal(events.length, 0);
  source.table = [root, usb];
  await w.check();
  assert.deepEqual(events.map((e) => [e.type, e.mount.mountPoint]), [['mounted', '/media/usb']]);
  assert.deepEqual(events[0]?.mounts, [root, usb]);
  source.table = [root];
  await w.check();
  await w.check();
  assert.deepEqual(events.map((e) => [e.type, e.mount.mountPoint]), [['mounted', '/media/usb'], ['unmounted', '/media/usb']]);
});

test('run polls on the clock interval and a poke re-checks at once', async () => {
  const clock = new FakeClock();
  const source = scripted();
  const events: string[] = [];
  const w = new MountWatcher({ source, clock, intervalMs: 2000, onEvent: (e) => void events.push(`${e.type} ${e.mount.mountPoint}`) });
  const stop = new AbortController();
  const running = w.run(stop.signal);
  await settle();
  assert.equal(source.calls, 1);
  source.table = [root, usb];
  clock.advance(1999);
  await settle();
  assert.deepEqual(events, [], 'no check before the interval has passed');
  clock.advance(1);
  await settle();
  assert.deepEqual(events, ['mounted /media/usb']);
  // A USB event: checked without waiting for the interval, then quickly for the settle window.
  source.table = [root];
  w.poke();
  await settle();
  assert.deepEqual(events, ['mounted /media/usb', 'unmounted /media/usb']);
  const calls = source.calls;
  clock.advance(500);
  await settle();
  assert.equal(source.calls, calls + 1, 'polls every 500 ms right after a poke');
  stop.abort();
  await running;
});

test('a failing listing is reported once per run of failures and emits no events', async () => {
  const clock = new FakeClock();
  const source = scripted();
  const errors: unknown[] = [];
  const events: MountEvent[] = [];
  const w = new MountWatcher({ source, clock, onEvent: (e) => void events.push(e), onError: (e) => void errors.push(e) });
  await w.check();
  source.fail = true;
  await w.check();
  await w.check();
  await w.check();
  assert.equal(errors.length, 1);
  source.fail = false;
  source.table = [root, usb];
  await w.check();
  assert.equal(events.length, 1, 'the mount that appeared meanwhile is reported once listing works again');
  source.fail = true;
  await w.check();
  assert.equal(errors.length, 2);
});

test('run resolves when stopped, also in the middle of a sleep', async () => {
  const clock = new FakeClock();
  const w = new MountWatcher({ source: scripted(), clock, onEvent: () => undefined });
  const stop = new AbortController();
  const running = w.run(stop.signal);
  await settle();
  assert.equal(clock.sleeping, 1);
  stop.abort();
  await running;
  assert.equal(clock.sleeping, 0);
});
