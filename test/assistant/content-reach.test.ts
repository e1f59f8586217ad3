// The content back-off of git remotes: a content side that cannot be reached waits apart from git sync, one try per batch, until a connection works.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ContentReach } from '../../src/assistant/content-reach.js';
import { ManualClock } from '../transfers/manual-clock.js';

test('the first failure of an outage is first; failures of one batch count once; the wait doubles; a connection that works ends it', () => {
  const clock = new ManualClock();
  const reach = new ContentReach({ clock, retryMs: () => 60_000 });
  assert.equal(reach.waiting('nas'), false);
  const batch1 = clock.now();
  clock.advance(1);
  const one = reach.failed('nas', batch1);
  assert.deepEqual(one, { first: true, counted: true, nextTry: clock.now() + 60_000 });
  assert.equal(reach.failed('nas', batch1).counted, false, 'another transfer of the same batch is the same try');
  assert.equal(reach.waiting('nas'), true);
  clock.advance(60_000);
  assert.equal(reach.waiting('nas'), false, 'its next try has come');
  const batch2 = clock.now();
  clock.advance(1);
  const two = reach.failed('nas', batch2);
  assert.equal(two.first, false, 'still the same outage: no second warning');
  assert.equal(two.nextTry - clock.now(), 120_000, 'the wait doubles');
  assert.equal(reach.reached('nas'), true, 'a connection that works ends the outage');
  assert.equal(reach.reached('nas'), false);
  assert.equal(reach.waiting('nas'), false);
  assert.equal(reach.failed('nas', clock.now()).first, true, 'a new outage is told again');
});
