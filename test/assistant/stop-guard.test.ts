// The stop bound on a manual clock with a real wedged child: killed at STOP_BOUND_MS, the daemon exits after the grace.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { pino } from 'pino';
import { ManualClock } from '../transfers/manual-clock.js';
import { guardStop, STOP_BOUND_MS, STOP_EXIT_GRACE_MS } from '../../src/assistant/stop-guard.js';
import { eventually } from '../helpers/assistant.js';

test('a stop that hangs on a wedged child: the child is killed at the bound, and the daemon exits after the grace', async () => {
  const clock = new ManualClock();
  const stopping = new AbortController();
  // Stands for a git that never returns (waiting on a lock or a hung remote).
  const wedged = spawn('sleep', ['600'], { stdio: 'ignore' });
  const exited = once(wedged, 'exit');
  let exitCalls = 0;
  // Only the wedged child is really killed (this test process may have other helpers, e.g. tsx's).
  const kill = (pid: number): void => {
    if (pid === wedged.pid) process.kill(pid, 'SIGKILL');
  };
  const guard = guardStop({ clock, log: pino({ level: 'silent' }), stopping: stopping.signal, self: process.pid, kill, exit: () => void exitCalls++ });
  try {
    await clock.tick(STOP_BOUND_MS * 2);
    assert.equal(wedged.exitCode, null, 'nothing happens before a stop is asked for');
    stopping.abort();
    await eventually('the guard waits for the bound', () => clock.sleeping === 1);
    await clock.tick(STOP_BOUND_MS - 1);
    assert.equal(wedged.exitCode, null, 'not killed before the bound');
    await clock.tick(1);
    const [, signal] = await exited;
    assert.equal(signal, 'SIGKILL', 'the wedged child is killed at the bound');
    await eventually('the guard waits for the grace', () => clock.sleeping === 1);
    assert.equal(exitCalls, 0);
    await clock.tick(STOP_EXIT_GRACE_MS);
    assert.equal(exitCalls, 1, 'then the daemon exits');
  } finally {
    guard.dispose();
    wedged.kill('SIGKILL');
  }
});

test('a stop that finishes in time disposes the guard: nothing is killed', async () => {
  const clock = new ManualClock();
  const stopping = new AbortController();
  const child = spawn('sleep', ['600'], { stdio: 'ignore' });
  let kills = 0;
  const guard = guardStop({ clock, log: pino({ level: 'silent' }), stopping: stopping.signal, self: process.pid, kill: () => void kills++, exit: () => assert.fail('must not exit') });
  try {
    stopping.abort();
    await eventually('the guard waits for the bound', () => clock.sleeping === 1);
    guard.dispose();
    await clock.tick(STOP_BOUND_MS + STOP_EXIT_GRACE_MS);
    assert.equal(kills, 0);
    assert.equal(clock.sleeping, 0);
  } finally {
    child.kill('SIGKILL');
  }
});
