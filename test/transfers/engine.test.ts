// The transfer engine on real repositories: corrupt transfers retried and never logged, parallel slots, pause and resume.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import type { Remote, Throttle } from '../../src/remotes/remote.js';
import { remoteNamed } from '../../src/content/session.js';
import { readTransferControl, setTransfersPaused, transferControlPath } from '../../src/transfers/control.js';
import { isVerificationFailure, TransferEngine, type TransferEvent, type PerformTransfer } from '../../src/transfers/engine.js';
import { TransferQueue } from '../../src/transfers/queue.js';
import { loadTransferSettings, TransferLimits } from '../../src/transfers/transfer-config.js';
import { systemClock } from '../../src/util/clock.js';
import { arbor } from '../helpers/arbor.js';
import { contentPerform, jobFor, makeFixture, randomContent, type Fixture } from './fixture.js';
import { ManualClock } from './manual-clock.js';

const MIB = 1 << 20;
const HANG_GUARD = { timeout: 120_000 }; // a broken engine hangs instead of failing: bound it

/**
 * The remote, except that the first chunk of the next `times.n` stores/retrieves has one bit
 * flipped after it was read: a corruption in transit, between the source and the destination.
 */
function corrupting(remote: Remote, times: { n: number }): Remote {
  const flip = (throttle: Throttle | undefined): Throttle => {
    let first = true;
    return async (chunk) => {
      await throttle?.(chunk);
      if (first && times.n > 0) {
        times.n--;
        const at = chunk.length >> 1;
        chunk.writeUInt8(chunk.readUInt8(at) ^ 0x01, at);
      }
      first = false;
    };
  };
  return new Proxy(remote, {
    get(target, prop) {
      if (prop === 'store') return ((key, source, progress, throttle) => target.store(key, source, progress, flip(throttle))) satisfies Remote['store'];
      if (prop === 'retrieve') return ((key, dest, progress, throttle) => target.retrieve(key, dest, progress, flip(throttle))) satisfies Remote['retrieve'];
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/** Runs the engine until the queue is empty; returns the events seen. */
async function runToIdle(options: { fx: Fixture; queue: TransferQueue; perform: PerformTransfer; slots?: number }): Promise<TransferEvent[]> {
  const events: TransferEvent[] = [];
  const engine = new TransferEngine({ queue: options.queue, perform: options.perform, clock: systemClock, slots: options.slots ?? 2, onEvent: (e) => events.push(e) });
  const ac = new AbortController();
  const running = engine.run(ac.signal);
  await engine.whenIdle();
  ac.abort();
  await running;
  return events;
}

async function remoteTmpSize(fx: Fixture, path: string): Promise<number | undefined> {
  const f = fx.files.get(path);
  assert.ok(f);
  const p = (await fx.remoteAnnex()).store.tmpPathFor(f.key);
  return existsSync(p) ? statSync(p).size : undefined;
}

test('a byte corrupted in transit is caught, discarded and retried once from scratch; only the good copy is logged', HANG_GUARD, async () => {
  const fx = await makeFixture({ 'a.bin': randomContent(3 * MIB) });
  try {
    const times = { n: 1 };
    const queue = new TransferQueue();
    queue.add(jobFor(fx, 'a.bin'));
    const events = await runToIdle({ fx, queue, perform: contentPerform(fx, () => corrupting(fx.remote, times)) });
    const retries = events.filter((e) => e.type === 'retry');
    assert.equal(retries.length, 1);
    assert.ok(retries[0]?.type === 'retry' && isVerificationFailure(retries[0].error), 'the retry was for a verification failure');
    const starts = events.filter((e) => e.type === 'start').map((e) => (e.type === 'start' ? e.attempt : 0));
    assert.deepEqual(starts, [1, 2]);
    const secondStart = events.findIndex((e) => e.type === 'start' && e.attempt === 2);
    const firstProgress = events.slice(secondStart).find((e) => e.type === 'progress');
    assert.ok(firstProgress?.type === 'progress' && firstProgress.done === 0, 'the retry started from byte 0, not from the discarded bytes');
    assert.deepEqual(events.at(-1), { type: 'finish', job: jobFor(fx, 'a.bin'), outcome: 'transferred' });
    assert.equal(await fx.remote.verifyContent?.(jobFor(fx, 'a.bin').key), true, 'the remote holds a good copy');
    assert.equal(await fx.loggedInRemote('a.bin'), true);
  } finally {
    await fx.close();
  }
});

test('a transfer corrupted on both attempts fails, leaves nothing on the remote and is never recorded in the location log', HANG_GUARD, async () => {
  const fx = await makeFixture({ 'a.bin': randomContent(2 * MIB + 5) });
  try {
    const times = { n: 2 };
    const queue = new TransferQueue();
    queue.add(jobFor(fx, 'a.bin'));
    const events = await runToIdle({ fx, queue, perform: contentPerform(fx, () => corrupting(fx.remote, times)) });
    const fail = events.find((e) => e.type === 'fail');
    assert.ok(fail?.type === 'fail' && isVerificationFailure(fail.error));
    assert.equal(events.filter((e) => e.type === 'start').length, 2, 'one retry, no more');
    assert.equal(await fx.remote.checkPresent(jobFor(fx, 'a.bin').key), false, 'the destination never shows the corrupt object');
    assert.equal(await remoteTmpSize(fx, 'a.bin'), undefined, 'the corrupt partial was discarded');
    assert.equal(await fx.loggedInRemote('a.bin'), false, 'not in our location log');
    const remoteAnnex = await fx.remoteAnnex();
    assert.equal(await remoteAnnex.store.has(jobFor(fx, 'a.bin').key), false);
    // Once the path is clean again the same job goes through.
    queue.add(jobFor(fx, 'a.bin'));
    await runToIdle({ fx, queue, perform: contentPerform(fx) });
    assert.equal(await fx.loggedInRemote('a.bin'), true);
  } finally {
    await fx.close();
  }
});

test('a download corrupted in transit is retried, and only the verified content lands here', HANG_GUARD, async () => {
  const fx = await makeFixture({ 'd.bin': randomContent(MIB + 123) });
  try {
    await arbor(fx.dir, 'copy', '--to', 'r', 'd.bin');
    await arbor(fx.dir, 'drop', 'd.bin');
    const key = jobFor(fx, 'd.bin').key;
    assert.equal(await fx.annex.store.has(key), false);
    const times = { n: 1 };
    const queue = new TransferQueue();
    queue.add({ ...jobFor(fx, 'd.bin', 'download'), remote: 'r' });
    const events = await runToIdle({ fx, queue, perform: contentPerform(fx, (n) => corrupting(remoteNamed(fx.session, n), times)) });
    assert.equal(events.filter((e) => e.type === 'retry').length, 1);
    assert.equal(events.at(-1)?.type, 'finish');
    assert.equal(await fx.annex.store.verify(key), true);
  } finally {
    await fx.close();
  }
});

test('two slots run two transfers at once; one slot runs them one by one', HANG_GUARD, async () => {
  const fx = await makeFixture({ 'x.bin': randomContent(2 * MIB), 'y.bin': randomContent(2 * MIB), 'z.bin': randomContent(MIB) });
  try {
    // Each transfer waits at its first chunk until two transfers have started: only parallel slots get past it.
    let started = 0;
    let bothStarted!: () => void;
    const gate = new Promise<void>((r) => (bothStarted = r));
    let concurrentAtGate = 0;
    const queue = new TransferQueue();
    const inner = contentPerform(fx);
    const engine: TransferEngine = new TransferEngine({
      queue,
      clock: systemClock,
      slots: 2,
      perform: (job, io) =>
        inner(job, {
          ...io,
          throttle: (remote) => {
            const t = io.throttle(remote);
            return async (chunk) => {
              await gate;
              concurrentAtGate = Math.max(concurrentAtGate, engine.running().length);
              await t(chunk);
            };
          },
        }),
      onEvent: (e) => {
        if (e.type === 'start' && ++started === 2) bothStarted();
      },
    });
    queue.add(jobFor(fx, 'x.bin'));
    queue.add(jobFor(fx, 'y.bin'));
    const ac = new AbortController();
    const run = engine.run(ac.signal);
    await engine.whenIdle();
    ac.abort();
    await run;
    assert.equal(concurrentAtGate, 2);
    assert.equal(await fx.loggedInRemote('x.bin'), true);
    assert.equal(await fx.loggedInRemote('y.bin'), true);

    // One slot: never more than one at a time.
    let active = 0;
    let most = 0;
    const serialQueue = new TransferQueue();
    serialQueue.add(jobFor(fx, 'z.bin'));
    serialQueue.add({ ...jobFor(fx, 'x.bin'), direction: 'download' });
    serialQueue.add({ ...jobFor(fx, 'y.bin'), direction: 'download' });
    await runToIdle({
      fx,
      queue: serialQueue,
      slots: 1,
      perform: async (job, io) => {
        most = Math.max(most, ++active);
        try {
          return await inner(job, io);
        } finally {
          active--;
        }
      },
    });
    assert.equal(most, 1);
    assert.equal(await fx.loggedInRemote('z.bin'), true);
  } finally {
    await fx.close();
  }
});

test('a pause (read from transfers.json) starts no transfer; resume lets the queue run', HANG_GUARD, async () => {
  const fx = await makeFixture({ 'p.bin': randomContent(MIB), 'q.bin': randomContent(MIB) });
  try {
    const controlFile = transferControlPath(fx.annex.git.repo.gitDir);
    await setTransfersPaused({ file: controlFile, paused: true, now: 1 });
    const clock = new ManualClock();
    const events: TransferEvent[] = [];
    let engineHeld!: () => void;
    const held = new Promise<void>((r) => (engineHeld = r));
    const queue = new TransferQueue();
    const engine = new TransferEngine({
      queue,
      clock,
      slots: 2,
      pollMs: 1000,
      isPaused: async () => (await readTransferControl(controlFile)).paused,
      perform: contentPerform(fx),
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'held') engineHeld();
      },
    });
    queue.add(jobFor(fx, 'p.bin'));
    queue.add(jobFor(fx, 'q.bin'));
    const ac = new AbortController();
    const run = engine.run(ac.signal);
    await held;
    for (let i = 0; i < 3; i++) await clock.tick(1000); // the poller re-reads the file: still paused
    assert.equal(engine.paused, true);
    assert.equal(queue.size, 2, 'both jobs still queued');
    assert.deepEqual(engine.running(), []);
    assert.equal(events.filter((e) => e.type === 'start').length, 0);
    assert.equal(await fx.remote.checkPresent(jobFor(fx, 'p.bin').key), false);

    await setTransfersPaused({ file: controlFile, paused: false, now: 2 });
    await clock.tick(1000);
    await engine.whenIdle();
    assert.equal(engine.paused, false);
    assert.deepEqual(events.flatMap((e) => (e.type === 'fail' ? [String(e.error)] : [])), [], 'no transfer failed');
    assert.equal(await fx.loggedInRemote('p.bin'), true);
    assert.equal(await fx.loggedInRemote('q.bin'), true);
    ac.abort();
    await run;
  } finally {
    await fx.close();
  }
});

test('a pause holds a running transfer between two chunks; resume continues from the same byte', HANG_GUARD, async () => {
  const fx = await makeFixture({ 'm.bin': randomContent(3 * MIB + 7) });
  try {
    const progress: number[] = [];
    let onHeld!: () => void;
    const heldRunning = new Promise<void>((r) => (onHeld = r));
    const queue = new TransferQueue();
    const engine: TransferEngine = new TransferEngine({
      queue,
      clock: systemClock,
      perform: contentPerform(fx),
      onEvent: (e) => {
        if (e.type === 'progress') {
          progress.push(e.done);
          if (e.done >= MIB && progress.length === 2) engine.pause();
        }
        if (e.type === 'held' && e.job) onHeld();
      },
    });
    queue.add(jobFor(fx, 'm.bin'));
    const ac = new AbortController();
    const run = engine.run(ac.signal);
    await heldRunning;
    assert.deepEqual(progress, [0, MIB]);
    const [t] = engine.running();
    assert.ok(t);
    assert.equal(t.paused, true);
    assert.equal(t.done, MIB);
    assert.equal(await remoteTmpSize(fx, 'm.bin'), MIB, 'the first MiB sits in the remote\'s annex/tmp');
    assert.equal(await fx.remote.checkPresent(jobFor(fx, 'm.bin').key), false);

    engine.resume();
    await engine.whenIdle();
    assert.deepEqual(progress, [0, MIB, 2 * MIB, 3 * MIB, 3 * MIB + 7], 'continued from the held byte: nothing sent twice');
    assert.equal(await fx.remote.verifyContent?.(jobFor(fx, 'm.bin').key), true);
    assert.equal(await fx.loggedInRemote('m.bin'), true);
    ac.abort();
    await run;
  } finally {
    await fx.close();
  }
});

test('stopping the engine stops a running transfer at its next chunk and keeps the partial for later', HANG_GUARD, async () => {
  const fx = await makeFixture({ 's.bin': randomContent(3 * MIB) });
  try {
    const ac = new AbortController();
    const queue = new TransferQueue();
    const events: TransferEvent[] = [];
    const engine = new TransferEngine({
      queue,
      clock: systemClock,
      perform: contentPerform(fx),
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'progress' && e.done === MIB) ac.abort();
      },
    });
    queue.add(jobFor(fx, 's.bin'));
    await engine.run(ac.signal);
    assert.equal(await remoteTmpSize(fx, 's.bin'), MIB);
    assert.equal(events.filter((e) => e.type === 'fail').length, 0, 'a stop is not a failure');
    assert.equal(await fx.loggedInRemote('s.bin'), false);
  } finally {
    await fx.close();
  }
});

test('the configured rate limit holds over a 20 MiB transfer: the bytes take the time the limit allows, no less', HANG_GUARD, async () => {
  const limit = 10 * MIB;
  const size = 20 * MIB;
  const fx = await makeFixture({ 'big.bin': randomContent(size) }, { config: { 'arbor.transfers.ratelimit': '10MiB/s' } });
  try {
    const settings = await loadTransferSettings(fx.annex.git);
    assert.equal(settings.rate, limit);
    // The engine and its limiter run on a clock that moves only when they make a transfer wait,
    // so the time measured is exactly the time the limit imposed: the machine's speed or load
    // cannot change it (the real-time rate is measured by npm run bench).
    const limiterClock = new ManualClock({ auto: true });
    let started: number | undefined;
    let finished: number | undefined;
    const queue = new TransferQueue();
    const engine = new TransferEngine({
      queue,
      clock: limiterClock,
      limits: new TransferLimits(settings, limiterClock),
      perform: contentPerform(fx),
      onEvent: (e) => {
        if (e.type === 'progress' && e.done === 0) started ??= limiterClock.now();
        if (e.type === 'progress' && e.done === size) finished = limiterClock.now();
      },
    });
    queue.add(jobFor(fx, 'big.bin'));
    const ac = new AbortController();
    const run = engine.run(ac.signal);
    await engine.whenIdle();
    ac.abort();
    await run;
    assert.equal(await fx.loggedInRemote('big.bin'), true);
    assert.ok(started !== undefined && finished !== undefined, 'progress was reported from the first byte to the last');
    const imposedMs = finished - started;
    // 20 MiB at 10 MiB/s: 2 s, less at most the bucket's short burst allowance (and the first chunk).
    assert.ok(imposedMs >= 1800, `the limiter let 20 MiB through in ${imposedMs} ms of its time; 10 MiB/s needs 2000`);
    assert.ok(imposedMs <= 2200, `the limiter held 20 MiB back for ${imposedMs} ms; 10 MiB/s needs only 2000`);
  } finally {
    await fx.close();
  }
});
