// A batch of owed fsyncs: flushed path by path, or, when large and on one known filesystem, by one syncfs.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SyncBatch } from '../../src/annex/sync-batch.js';
import { nodeSpawner, type Spawner } from '../../src/util/spawn.js';
import { tempDir } from '../helpers/tmp.js';

/** The real spawner, recording each command line it runs; `failSync` makes `sync` exit 1 as where it lacks -f. */
function recording(failSync = false): { spawner: Spawner; calls: string[] } {
  const calls: string[] = [];
  const spawner: Spawner = {
    ...nodeSpawner,
    run: (cmd, args, opts) => {
      calls.push([cmd, ...args].join(' '));
      return failSync && cmd === 'sync' ? Promise.resolve({ code: 1, stdout: Buffer.alloc(0), stderr: 'sync: invalid option -- f' }) : nodeSpawner.run(cmd, args, opts);
    },
  };
  return { spawner, calls };
}

/** `n` files in a fresh directory; returns the directory and their paths. */
function files(n: number): { dir: string; paths: string[] } {
  const dir = tempDir('arbor-syncbatch-');
  const paths = Array.from({ length: n }, (_, i) => join(dir, `f${i}`));
  for (const p of paths) writeFileSync(p, 'x');
  return { dir, paths };
}

test('a large batch on a known filesystem is made durable by one `sync -f` of it, and is empty after', async () => {
  const { dir, paths } = files(100);
  const { spawner, calls } = recording();
  const batch = new SyncBatch({ volume: dir, spawner });
  for (const p of paths) batch.add(p);
  // A path that cannot be fsynced on its own: the whole-filesystem flush does not open it.
  batch.add(join(dir, 'removed-meanwhile'));
  await batch.flush();
  assert.deepEqual(calls, [`sync -f ${dir}`]);
  assert.equal(batch.size, 0);
});

test('where `sync -f` fails, every path is fsynced on its own (a missing one fails the flush), and `sync` is not tried again', async () => {
  const { dir, paths } = files(100);
  const { spawner, calls } = recording(true);
  const batch = new SyncBatch({ volume: dir, spawner });
  for (const p of paths) batch.add(p);
  batch.add(join(dir, 'removed-meanwhile'));
  await assert.rejects(batch.flush(), { code: 'ENOENT' });
  for (const p of paths) batch.add(p);
  await batch.flush();
  assert.deepEqual(calls, [`sync -f ${dir}`], 'sync was tried once');
});

test('a small batch, or one that does not know its filesystem, fsyncs each path', async () => {
  const { dir, paths } = files(100);
  const { spawner, calls } = recording();
  const small = new SyncBatch({ volume: dir, spawner });
  for (const p of paths.slice(0, 10)) small.add(p);
  await small.flush();
  const unknown = new SyncBatch({ spawner });
  for (const p of paths) unknown.add(p);
  unknown.add(join(dir, 'removed-meanwhile'));
  await assert.rejects(unknown.flush(), { code: 'ENOENT' });
  assert.deepEqual(calls, []);
});
