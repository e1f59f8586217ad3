// The settings store: a valid change applies and signals once, a spurious event changes nothing, an invalid change keeps the previous settings as a problem.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import cron from 'node-cron';
import { Problems } from '../../src/assistant/problems.js';
import { settingsFromConfig, type ConfigEntries } from '../../src/assistant/settings.js';
import { SettingsStore } from '../../src/assistant/settings-store.js';
import { Signal } from '../../src/util/channel.js';

/** Whether `signal` was notified (latched) since the last check. */
async function fired(signal: Signal): Promise<boolean> {
  const ac = new AbortController();
  const wait = signal.wait(ac.signal).then(() => true, () => false);
  ac.abort();
  return wait;
}

test('reload: valid change applied and signalled, same config ignored, invalid change kept out and shown until fixed', async () => {
  const lines: string[] = [];
  const log = pino({ level: 'info' }, new Writable({ write: (c: Buffer, _e, cb) => void (lines.push((JSON.parse(c.toString('utf8')) as { msg: string }).msg), cb()) }));
  const problems = new Problems({ log, now: () => 0 });
  const parse = (e: ConfigEntries) => settingsFromConfig(e, (x) => cron.validate(x));
  let config: Array<[string, string]> = [['arbor.assistant.quietms', '100']];
  let reads = 0;
  const changed = new Signal();
  const store = new SettingsStore({
    initial: { settings: parse(config), entries: config },
    read: async () => (reads++, config),
    parse,
    log,
    problems,
    changed,
    appliesAtRestart: ['arbor.assistant.watcher'],
  });

  await store.reload();
  assert.equal(await fired(changed), false, 'nothing changed: no signal');
  assert.deepEqual(lines, []);

  config = [['arbor.assistant.quietms', '5000'], ['arbor.assistant.watcher', 'parcel']];
  await store.reload();
  assert.equal(store.current.quietMs, 5000);
  assert.equal(await fired(changed), true);
  assert.deepEqual(lines, ['settings changed: arbor.assistant.quietms=5000 (was 100), arbor.assistant.watcher=parcel (applies at the next start)']);

  config = [['arbor.assistant.quietms', 'abc']];
  await store.reload();
  assert.equal(store.current.quietMs, 5000, 'the previous settings stay');
  assert.equal(await fired(changed), false);
  assert.deepEqual(problems.list().map((p) => p.message), ['git config arbor.assistant.quietms=abc is not a number: use a whole number (0 or more) (the assistant keeps its previous settings until this is fixed)']);

  // A burst of events while a read runs costs one more read, not one per event.
  reads = 0;
  config = [['arbor.assistant.quietms', '200']];
  const burst = [store.reload(), store.reload(), store.reload(), store.reload()];
  await Promise.all(burst);
  assert.equal(reads, 2);
  assert.equal(store.current.quietMs, 200);
  assert.deepEqual(problems.list(), [], 'fixed: the problem is cleared');
  assert.equal(await fired(changed), true);
});
