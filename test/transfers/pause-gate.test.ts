// The pause gate: open passes at once, closed parks callers until resume, abort rejects parked callers.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PauseGate } from '../../src/transfers/pause-gate.js';

test('callers pass an open gate, wait at a closed one and all go on resume', async () => {
  const gate = new PauseGate();
  const ac = new AbortController();
  await gate.wait(ac.signal);
  assert.equal(gate.pause(), true);
  assert.equal(gate.pause(), false, 'already paused');
  let parked = 0;
  let passed = 0;
  const waits = [gate.wait(ac.signal, () => parked++).then(() => passed++), gate.wait(ac.signal, () => parked++).then(() => passed++)];
  await new Promise<void>((r) => setImmediate(r));
  assert.equal(parked, 2);
  assert.equal(passed, 0);
  assert.equal(gate.resume(), true);
  await Promise.all(waits);
  assert.equal(passed, 2);
  assert.equal(gate.resume(), false, 'already open');
});

test('an abort rejects parked callers and later calls, and a resume afterwards is harmless', async () => {
  const gate = new PauseGate();
  const ac = new AbortController();
  gate.pause();
  const parked = gate.wait(ac.signal);
  ac.abort(new Error('stopping'));
  await assert.rejects(parked, /stopping/);
  await assert.rejects(gate.wait(ac.signal), /stopping/);
  gate.resume();
  await assert.rejects(gate.wait(ac.signal), /stopping/, 'an aborted caller never passes');
});
