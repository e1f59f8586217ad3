// A schedule from the settings follows a live change of git config: the new expression is armed at once, the old one stopped.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runFollowedSchedule } from '../../src/assistant/followed-schedule.js';
import type { AssistantSettings } from '../../src/assistant/settings.js';
import { Signal } from '../../src/util/channel.js';
import type { Log } from '../../src/util/log.js';

test('changing the fetch schedule while the assistant runs re-arms it without a restart, with one log line', { timeout: 60_000 }, async () => {
  let settings = { fetchSchedule: '0 0 1 1 *' } as AssistantSettings; // once a year: never ticks during the test
  const lines: string[] = [];
  const log = { info: (_o: unknown, m: string) => void lines.push(m), warn: () => undefined, error: () => undefined, debug: () => undefined } as unknown as Log;
  const ctx = {
    get settings() {
      return settings;
    },
    settingsChanged: new Signal(),
    log,
  };
  let ticked!: () => void;
  const tick = new Promise<void>((resolve) => (ticked = resolve));
  const stop = new AbortController();
  const running = runFollowedSchedule({ ctx, worker: 'merger', what: 'fetch', pick: (s) => s.fetchSchedule, tick: () => ticked(), signal: stop.signal });
  settings = { fetchSchedule: '* * * * * *' } as AssistantSettings; // every second
  ctx.settingsChanged.notify();
  await tick; // only the new schedule can tick within the test's bound
  assert.deepEqual(lines, ['fetch schedule is now "* * * * * *" (was "0 0 1 1 *")']);
  ctx.settingsChanged.notify(); // a change of another setting: the schedule stays as it is
  stop.abort();
  await running;
  assert.equal(lines.length, 1);
});
