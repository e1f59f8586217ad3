// Tests for choosing the watcher backend: chokidar by default, parcel for large trees, by config, or when the watch limit is too low.
import '../../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../helpers/tmp.js';
import { chooseWatcherBackend, countTree, createWatcherFor, selectWatcher } from '../../../src/assistant/watch/select.js';

const roomy = { maxUserWatches: 192_536, inUse: 0 };

test('auto keeps chokidar, the portable default, for an ordinary tree', () => {
  const c = chooseWatcherBackend({ config: 'auto', tree: { files: 3_000, dirs: 200 }, limits: roomy, parcelAvailable: true });
  assert.deepEqual(c, { backend: 'chokidar', reason: 'chokidar (portable default)' });
});

test('auto picks parcel above the file threshold', () => {
  const c = chooseWatcherBackend({ config: 'auto', tree: { files: 100_000 }, limits: roomy, parcelAvailable: true });
  assert.equal(c.backend, 'parcel');
  assert.equal(c.reason, 'parcel: 100000 files is above 20000');
  assert.equal(chooseWatcherBackend({ config: 'auto', tree: { files: 600 }, limits: roomy, threshold: 500, parcelAvailable: true }).backend, 'parcel');
});

test('auto picks parcel when one watch per file would not fit under a low inotify limit', () => {
  const low = { maxUserWatches: 8_192 };
  const c = chooseWatcherBackend({ config: 'auto', tree: { files: 8_000, dirs: 80 }, limits: low, parcelAvailable: true });
  assert.equal(c.backend, 'parcel');
  assert.equal(c.reason, 'parcel: chokidar needs 8080 inotify watches, over the limit (fs.inotify.max_user_watches=8192)');
  const busy = { maxUserWatches: 192_536, inUse: 180_000 };
  const d = chooseWatcherBackend({ config: 'auto', tree: { files: 10_000, dirs: 100 }, limits: busy, parcelAvailable: true });
  assert.equal(d.backend, 'parcel', 'watches held by other programs count against the limit');
  assert.match(d.reason, /180000 in use/);
});

test('configured backends win over the size, and a missing parcel binary falls back to chokidar', () => {
  const big = { files: 500_000 };
  assert.equal(chooseWatcherBackend({ config: 'chokidar', tree: big, limits: roomy, parcelAvailable: true }).backend, 'chokidar');
  assert.equal(chooseWatcherBackend({ config: 'parcel', tree: { files: 5 }, limits: roomy, parcelAvailable: true }).backend, 'parcel');
  const none = chooseWatcherBackend({ config: 'parcel', tree: big, limits: roomy, parcelAvailable: false });
  assert.deepEqual(none, { backend: 'chokidar', reason: '@parcel/watcher is not available on this platform: using chokidar' });
});

test('off Linux (no inotify limit) auto decides by size alone', () => {
  assert.equal(chooseWatcherBackend({ config: 'auto', tree: { files: 19_000 }, limits: undefined, parcelAvailable: true }).backend, 'chokidar');
});

test('selectWatcher counts a tree it was given no count for, and a low injected limit selects parcel', async () => {
  const root = tempDir('arbor-select-');
  for (let d = 0; d < 5; d++) {
    mkdirSync(join(root, `d${d}`));
    for (let f = 0; f < 40; f++) writeFileSync(join(root, `d${d}`, `f${f}`), '');
  }
  mkdirSync(join(root, '.git', 'objects'), { recursive: true });
  for (let f = 0; f < 50; f++) writeFileSync(join(root, '.git', 'objects', `o${f}`), '');
  assert.deepEqual(await countTree(root, 1_000), { files: 200, dirs: 6 }, '.git is not counted');
  assert.ok((await countTree(root, 50)).files < 200, 'counting stops near the limit');
  const roomySel = await selectWatcher({ root, limits: roomy });
  assert.equal(roomySel.backend, 'chokidar');
  const low = await selectWatcher({ root, limits: { maxUserWatches: 1_100 } });
  assert.equal(low.backend, 'parcel');
  assert.match(low.reason, /chokidar needs \d+ inotify watches/);
  assert.equal((await selectWatcher({ root, fileCount: 50_000, limits: roomy })).backend, 'parcel');
});

test('createWatcherFor creates the selected backend', async () => {
  const root = tempDir('arbor-select-');
  const w = await createWatcherFor({ root, config: 'auto', fileCount: 30_000, limits: roomy, ignored: () => false, clock: { now: () => 0 } });
  assert.equal(w.health().backend, 'parcel');
  const c = await createWatcherFor({ root, config: 'auto', limits: roomy, ignored: () => false, clock: { now: () => 0 } });
  assert.equal(c.health().backend, 'chokidar');
});
