// Tests for both watcher backends against a real temp work tree: the changes a user makes, editor saves, bursts, .git and ignores.
import '../../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../helpers/tmp.js';
import { ok } from '../../helpers/run.js';
import { createChokidarWatcher } from '../../../src/assistant/watch/chokidar-watcher.js';
import { createParcelWatcher } from '../../../src/assistant/watch/parcel-watcher.js';
import type { ChangeKind, FsChange, Watcher, WatcherOptions } from '../../../src/assistant/watch/watcher.js';

const backends: ReadonlyArray<readonly [string, (opts: WatcherOptions) => Watcher]> = [
  ['chokidar', createChokidarWatcher],
  ['parcel', createParcelWatcher],
];

/** Paths the test tree ignores, as a .gitignore with `node_modules/`, `cache/` and `*.log` would. */
const ignored = (p: string): boolean => /^(node_modules|cache)(\/|$)/.test(p) || p.endsWith('.log');

/** A watched git work tree with a few files, and the changes seen so far. */
async function setUp(make: (opts: WatcherOptions) => Watcher): Promise<{
  root: string;
  w: Watcher;
  seen: FsChange[];
  until: (what: string, pred: (seen: readonly FsChange[]) => boolean) => Promise<void>;
}> {
  const root = tempDir('arbor-watch-');
  await ok('git', ['init', '-q'], { cwd: root });
  mkdirSync(join(root, 'd1'));
  mkdirSync(join(root, 'd2'));
  mkdirSync(join(root, 'node_modules'));
  writeFileSync(join(root, 'existing.txt'), 'one\n');
  writeFileSync(join(root, 'gone.txt'), 'bye\n');
  writeFileSync(join(root, 'notes.txt'), 'v1\n');
  writeFileSync(join(root, 'd1', 'm.txt'), 'm\n');
  writeFileSync(join(root, 'node_modules', 'dep.js'), '1\n');
  const w = make({ root, ignored, clock: { now: () => 4242 } });
  await w.start();
  const seen: FsChange[] = [];
  /** Bounded poll (10 s) for an expected state; the timeout only turns a hang into a failure. */
  const until = async (what: string, pred: (seen: readonly FsChange[]) => boolean): Promise<void> => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      seen.push(...w.changes.drain());
      if (pred(seen)) return;
      if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; saw ${JSON.stringify(seen.slice(-30))}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { root, w, seen, until };
}

const has = (kinds: readonly ChangeKind[], path: string) => (seen: readonly FsChange[]) =>
  seen.some((c) => c.path === path && kinds.includes(c.kind));

for (const [name, make] of backends) {
  test(`${name}: reports creates, edits and deletes with root-relative paths and the injected clock`, async () => {
    const { root, w, seen, until } = await setUp(make);
    try {
      writeFileSync(join(root, 'd2', 'new.txt'), 'new\n');
      await until('add d2/new.txt', has(['add'], 'd2/new.txt'));
      appendFileSync(join(root, 'existing.txt'), 'two\n');
      await until('change existing.txt', has(['change'], 'existing.txt'));
      rmSync(join(root, 'gone.txt'));
      await until('unlink gone.txt', has(['unlink'], 'gone.txt'));
      assert.ok(seen.every((c) => c.time === 4242));
      assert.deepEqual({ ...w.health(), reason: undefined }, { backend: name, degraded: false, errors: 0, reason: undefined });
    } finally {
      await w.close();
    }
  });

  test(`${name}: reports a rename, a move across directories and a moved directory`, async () => {
    const { root, w, until } = await setUp(make);
    try {
      renameSync(join(root, 'existing.txt'), join(root, 'renamed.txt'));
      await until('rename', (s) => has(['unlink'], 'existing.txt')(s) && has(['add'], 'renamed.txt')(s));
      renameSync(join(root, 'renamed.txt'), join(root, 'd2', 'renamed.txt'));
      await until('move to d2', (s) => has(['unlink'], 'renamed.txt')(s) && has(['add'], 'd2/renamed.txt')(s));
      renameSync(join(root, 'd1'), join(root, 'd3'));
      await until('moved directory', (s) => has(['unlinkDir'], 'd1')(s) && has(['addDir'], 'd3')(s) && has(['add'], 'd3/m.txt')(s));
    } finally {
      await w.close();
    }
  });

  test(`${name}: an editor save (temp file renamed over the target) reports the target and leaves no temp file behind`, async () => {
    const { root, w, until } = await setUp(make);
    try {
      const temp = 'notes.txt.tmp-4711';
      writeFileSync(join(root, temp), 'v2\n');
      renameSync(join(root, temp), join(root, 'notes.txt'));
      writeFileSync(join(root, 'after-save'), '');
      await until('the saved target, and the temp file (if seen at all) ending unlinked', (s) => {
        const tempEvents = s.filter((c) => c.path === temp);
        const tempSettled = tempEvents.length === 0 || tempEvents.at(-1)?.kind === 'unlink';
        return has(['add', 'change'], 'notes.txt')(s) && has(['add'], 'after-save')(s) && tempSettled;
      });
    } finally {
      await w.close();
    }
  });

  test(`${name}: a directory created with files already in it, and a deleted tree`, async () => {
    const { root, w, until } = await setUp(make);
    try {
      mkdirSync(join(root, 'a', 'b', 'c'), { recursive: true });
      writeFileSync(join(root, 'a', 'b', 'c', 'deep.txt'), 'deep\n');
      await until('the new tree', (s) => has(['addDir'], 'a')(s) && has(['add'], 'a/b/c/deep.txt')(s));
      rmSync(join(root, 'a'), { recursive: true });
      await until('unlinkDir a', has(['unlinkDir'], 'a'));
    } finally {
      await w.close();
    }
  });

  test(`${name}: every file of a burst of 2,000 is reported`, async () => {
    const { root, w, until } = await setUp(make);
    try {
      const expected = new Set<string>();
      for (let d = 0; d < 20; d++) {
        mkdirSync(join(root, 'burst', `d${d}`), { recursive: true });
        for (let f = 0; f < 100; f++) {
          writeFileSync(join(root, 'burst', `d${d}`, `f${f}.txt`), `${d}/${f}\n`);
          expected.add(`burst/d${d}/f${f}.txt`);
        }
      }
      await until('all 2,000 adds', (s) => {
        const added = new Set(s.filter((c) => c.kind === 'add').map((c) => c.path));
        return [...expected].every((p) => added.has(p));
      });
      assert.equal(w.health().degraded, false);
    } finally {
      await w.close();
    }
  });

  test(`${name}: never reports anything inside .git or an ignored path`, async () => {
    const { root, w, seen, until } = await setUp(make);
    try {
      writeFileSync(join(root, 'existing.txt'), 'staged\n');
      await ok('git', ['add', 'existing.txt'], { cwd: root });
      await ok('git', ['commit', '-q', '-m', 'x'], { cwd: root });
      mkdirSync(join(root, '.git', 'annex', 'objects'), { recursive: true });
      writeFileSync(join(root, '.git', 'annex', 'objects', 'k'), 'content\n');
      writeFileSync(join(root, 'node_modules', 'dep.js'), '2\n');
      writeFileSync(join(root, 'node_modules', 'new.js'), '1\n');
      writeFileSync(join(root, 'debug.log'), 'log\n');
      mkdirSync(join(root, 'cache', 'sub'), { recursive: true });
      writeFileSync(join(root, 'cache', 'sub', 'c.bin'), 'c\n');
      writeFileSync(join(root, 'cache', 'sub', 'c.bin'), 'c2\n');
      rmSync(join(root, 'debug.log'));
      writeFileSync(join(root, 'sentinel.txt'), 'last\n');
      await until('the sentinel and the committed file', (s) => has(['add'], 'sentinel.txt')(s) && has(['change', 'add'], 'existing.txt')(s));
      const leaked = seen.filter((c) => c.path === '.git' || c.path.startsWith('.git/') || ignored(c.path));
      assert.deepEqual(leaked, []);
    } finally {
      await w.close();
    }
  });
}

test('parcel: health names the missing overflow detection, so the assistant keeps rescanning', async () => {
  const { w } = await setUp(createParcelWatcher);
  try {
    const h = w.health();
    assert.equal(h.degraded, false);
    assert.match(h.reason ?? '', /overflow.*rescan/);
  } finally {
    await w.close();
  }
});
