// The supervisor on a manual clock: a worker that keeps failing stops restarting and is shown; the others keep running.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { setMaxListeners } from 'node:events';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { DaemonStatus, type StatusSnapshot } from '../../src/assistant/daemon-status.js';
import { Problems } from '../../src/assistant/problems.js';
import { FAILURE_WINDOW_MS, MAX_FAILURES, supervise, type SupervisedContext, type SupervisedWorker } from '../../src/assistant/supervisor.js';
import { FatalError } from '../../src/assistant/worker.js';
import { Signal } from '../../src/util/channel.js';
import type { DesktopNotice } from '../../src/util/desktop-notify.js';
import { ManualClock } from '../transfers/manual-clock.js';
import { tempDir } from '../helpers/tmp.js';

/** A context with a manual clock, a status file, and the log lines and notifications captured. */
function context(): { ctx: SupervisedContext; clock: ManualClock; status: DaemonStatus; logs: string[]; notices: DesktopNotice[]; file: string } {
  const clock = new ManualClock();
  const logs: string[] = [];
  const log = pino({ level: 'info' }, new Writable({ write: (chunk: Buffer, _e, cb) => void (logs.push((JSON.parse(chunk.toString('utf8')) as { msg: string }).msg), cb()) }));
  const file = join(tempDir('arbor-supervisor-'), 'status.json');
  const status = new DaemonStatus({ file, now: () => clock.now(), pid: 1 });
  const notices: DesktopNotice[] = [];
  const problems = new Problems({ log, now: () => clock.now(), status, notify: (n) => notices.push(n), title: 'arbor: test' });
  return { ctx: { log, status, clock, problems, settingsChanged: new Signal() }, clock, status, logs, notices, file };
}

/** Lets promise callbacks run until `check` holds (bounded: a broken supervisor fails, never hangs). */
async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 10_000; i++) {
    if (check()) return;
    await new Promise<void>((r) => setImmediate(r));
  }
  assert.fail(`never happened: ${what}`);
}

/** A worker that throws at every run, counting runs. */
function failing(name: string): SupervisedWorker<SupervisedContext> & { runs: number } {
  const w = {
    name,
    runs: 0,
    run: async (): Promise<void> => {
      w.runs++;
      throw new Error(`slots: git config arbor.transfers.slots=many (run ${w.runs})`);
    },
  };
  return w;
}

/** A healthy worker: runs until the daemon stops. */
function healthy(): SupervisedWorker<SupervisedContext> & { state: 'new' | 'running' | 'stopped' } {
  const w = {
    name: 'committer',
    state: 'new' as 'new' | 'running' | 'stopped',
    run: async (_ctx: SupervisedContext, signal: AbortSignal): Promise<void> => {
      w.state = 'running';
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      w.state = 'stopped';
    },
  };
  return w;
}

test(`a worker failing ${MAX_FAILURES} times within the window stops restarting, is shown in status and notified once, and the rest keep running`, async () => {
  const { ctx, clock, status, logs, notices, file } = context();
  const bad = failing('transferrer');
  const good = healthy();
  const ac = new AbortController();
  const done = supervise(ctx, [bad, good], { signal: ac.signal, onFatal: () => assert.fail('no fatal error here') });
  // Restarts after 1 s, 2 s, 4 s, 8 s of back-off: time moves only when the test moves it.
  for (let restart = 1; restart < MAX_FAILURES; restart++) {
    await until(`failure ${restart} sleeps`, () => clock.sleeping === 1 && bad.runs === restart);
    assert.equal(status.snapshot.workers.transferrer?.failed, undefined, 'still restarting');
    await clock.next();
  }
  await until('the failed state', () => status.snapshot.workers.transferrer?.failed === true);
  assert.equal(bad.runs, MAX_FAILURES);
  assert.equal(clock.sleeping, 0, 'no restart is scheduled any more');
  assert.equal(good.state, 'running', 'the other workers keep running');
  const [problem, ...others] = status.snapshot.problems;
  assert.equal(others.length, 0);
  assert.equal(problem?.id, 'worker:transferrer');
  assert.equal(problem?.message, `the transferrer stopped after ${MAX_FAILURES} failures: slots: git config arbor.transfers.slots=many (run ${MAX_FAILURES})`);
  assert.deepEqual(notices.map((n) => n.body), [problem?.message], 'one desktop notification');
  assert.equal(logs.filter((l) => l === problem?.message).length, 1, 'one log line for the problem');
  // Time passing does not restart it.
  await clock.tick(FAILURE_WINDOW_MS * 2);
  assert.equal(bad.runs, MAX_FAILURES);
  // The status file (what `git arbor status` reads) has it.
  await status.flush();
  const written = JSON.parse(readFileSync(file, 'utf8')) as StatusSnapshot;
  assert.equal(written.workers.transferrer?.failed, true);
  assert.equal(written.problems[0]?.message, problem?.message);

  // A settings change (the usual fix) gives it a fresh start and clears the problem.
  ctx.settingsChanged.notify();
  await until('the restart', () => bad.runs === MAX_FAILURES + 1);
  await until('the problem cleared', () => status.snapshot.problems.length === 0);
  assert.equal(status.snapshot.workers.transferrer?.failed, false);
  assert.ok(logs.includes(`resolved: ${problem?.message}`));
  ac.abort();
  await done;
  assert.equal(good.state, 'stopped');
});

test('failures far apart (outside the window) are restarted every time', async () => {
  const { ctx, clock, status } = context();
  const bad = failing('pusher');
  const ac = new AbortController();
  setMaxListeners(100, ac.signal); // the manual clock keeps one listener per sleep
  const done = supervise(ctx, [bad], { signal: ac.signal, onFatal: () => assert.fail('no fatal error here') });
  for (let run = 1; run <= MAX_FAILURES * 2; run++) {
    await until(`failure ${run} sleeps`, () => clock.sleeping === 1 && bad.runs === run);
    await clock.tick(FAILURE_WINDOW_MS / (MAX_FAILURES - 1) + 1);
  }
  assert.ok(bad.runs > MAX_FAILURES);
  assert.equal(status.snapshot.workers.pusher?.failed, undefined);
  assert.deepEqual(status.snapshot.problems, []);
  ac.abort();
  await done;
});

test('a FatalError stops the daemon through onFatal, without restarts', async () => {
  const { ctx } = context();
  const fatal: FatalError[] = [];
  const ac = new AbortController();
  const good = healthy();
  const worker: SupervisedWorker<SupervisedContext> = { name: 'merger', run: async () => Promise.reject(new FatalError('the repository is gone')) };
  await supervise(ctx, [worker, good], { signal: ac.signal, onFatal: (e) => (fatal.push(e), ac.abort()) });
  assert.deepEqual(fatal.map((e) => e.message), ['the repository is gone']);
  assert.equal(good.state, 'stopped');
});
