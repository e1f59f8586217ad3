// A `git arbor copy --to` killed halfway with SIGKILL resumes from the bytes already in the remote's annex/tmp.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TransferEngine, type TransferEvent } from '../../src/transfers/engine.js';
import { TransferQueue } from '../../src/transfers/queue.js';
import { systemClock } from '../../src/util/clock.js';
import { ARBOR_ROOT, testEnv } from '../helpers/env.js';
import { contentPerform, jobFor, makeFixture, randomContent } from './fixture.js';

const MIB = 1 << 20;

test('a copy killed halfway resumes where it stopped, sends only the rest, and completes verified', { timeout: 120_000 }, async () => {
  const size = 16 * MIB + 321;
  // The configured limit (honoured by `git arbor copy`) makes the copy take about two seconds,
  // so the test can see it halfway; it asserts nothing about speed.
  const fx = await makeFixture({ 'big.bin': randomContent(size) }, { config: { 'arbor.transfers.ratelimit': '8MiB/s' } });
  try {
    const key = jobFor(fx, 'big.bin').key;
    const tmp = (await fx.remoteAnnex()).store.tmpPathFor(key);
    const child = spawn(process.execPath, [join(ARBOR_ROOT, 'bin', 'git-arbor.js'), 'copy', '--to', 'r', 'big.bin'], { cwd: fx.dir, env: testEnv, stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    const deadline = Date.now() + 60_000;
    while (!(existsSync(tmp) && statSync(tmp).size >= 4 * MIB)) {
      assert.ok(Date.now() < deadline, 'the copy never got 4 MiB into the remote');
      assert.equal(child.exitCode, null, 'the copy finished before it could be killed');
      await new Promise((r) => setTimeout(r, 10));
    }
    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL');
    const partial = statSync(tmp).size;
    assert.ok(partial >= 4 * MIB && partial < size, `partial ${partial}`);
    assert.equal(await fx.remote.checkPresent(key), false, 'the destination shows no object for a partial transfer');
    assert.equal(await fx.loggedInRemote('big.bin'), false);

    const events: TransferEvent[] = [];
    const queue = new TransferQueue();
    let sent = 0; // every chunk read from the source passes the throttle before it is written
    const inner = contentPerform(fx);
    const engine = new TransferEngine({
      queue,
      clock: systemClock,
      perform: (job, io) => inner(job, { ...io, throttle: (remote) => async (chunk) => ((sent += chunk.length), await io.throttle(remote)(chunk)) }),
      onEvent: (e) => events.push(e),
    });
    queue.add(jobFor(fx, 'big.bin'));
    const ac = new AbortController();
    const run = engine.run(ac.signal);
    await engine.whenIdle();
    ac.abort();
    await run;
    const progress = events.flatMap((e) => (e.type === 'progress' ? [e.done] : []));
    // copyVerified reports where it starts before reading the source from there: the bytes
    // already in annex/tmp were hashed in place, not read from the source or sent again.
    assert.equal(progress[0], partial, 'the second run started at the byte the first one reached');
    assert.equal(progress.at(-1), size);
    assert.equal(sent, size - partial, 'only the rest was read from the source and sent');
    assert.deepEqual(events.filter((e) => e.type === 'retry' || e.type === 'fail'), []);
    assert.equal(await fx.remote.verifyContent?.(key), true, 'the resumed object verifies');
    assert.equal(await fx.loggedInRemote('big.bin'), true);
    assert.equal(existsSync(tmp), false, 'the partial became the object');
  } finally {
    await fx.close();
  }
});
