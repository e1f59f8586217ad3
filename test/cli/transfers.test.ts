// `git arbor transfers pause|resume|list` through the real CLI, against a stopped and a running assistant.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { runArbor } from '../helpers/run.js';
import { git, makeRepo } from '../helpers/repo.js';
import { arbor } from '../helpers/arbor.js';
import { configureFastAssistant, eventually, startAssistant, stopAssistant } from '../helpers/assistant.js';

test('pause and resume persist in .git/annex/arbor/transfers.json; list shows the state', async () => {
  const a = await makeRepo();
  await arbor(a, 'init', 'A');
  assert.deepEqual(JSON.parse(await arbor(a, 'transfers', 'list', '--json')), { paused: false, running: [], queued: 0, waiting: [], assistant: false });
  const paused = JSON.parse(await arbor(a, 'transfers', 'pause', '--json'));
  assert.equal(paused.paused, true);
  assert.equal(typeof paused.since, 'number');
  assert.deepEqual(JSON.parse(readFileSync(join(a, '.git/annex/arbor/transfers.json'), 'utf8')), { paused: true, since: paused.since });
  assert.match(await arbor(a, 'transfers', 'list'), /^transfers: paused since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(the assistant is not running\)\nqueued: 0\n$/, 'local time, not epoch milliseconds or UTC ISO');
  assert.match(await arbor(a, 'transfers', 'pause'), /transfers paused\nthe assistant is not running; it will start with transfers paused/);
  assert.equal(JSON.parse(await arbor(a, 'transfers', 'list', '--json')).since, paused.since, 'pausing again keeps the original time');
  assert.equal(JSON.parse(await arbor(a, 'transfers', 'resume', '--json')).paused, false);
  assert.equal(JSON.parse(await arbor(a, 'transfers', '--json')).paused, false, 'list is the default action');
  const bad = await runArbor(['transfers', 'stop'], { cwd: a });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /unknown action stop/);
});

test('pausing a running assistant holds its transfers; resuming lets them through', { timeout: 180_000 }, async () => {
  const a = await makeRepo({ name: 'a' });
  const bare = await makeRepo({ bare: true, parent: join(a, '..'), name: 'r.git' });
  await arbor(a, 'init', 'A');
  writeFileSync(join(a, 'seed.txt'), 'seed\n');
  await arbor(a, 'sync');
  await git(a, 'remote', 'add', 'r', bare);
  await arbor(a, 'sync');
  await configureFastAssistant(a);
  await arbor(a, 'transfers', 'pause');
  await startAssistant(a);
  try {
    writeFileSync(join(a, 'big.bin'), randomBytes(300_000));
    const queued = async (): Promise<boolean> => JSON.parse(await arbor(a, 'transfers', 'list', '--json')).queued >= 1;
    await eventually('the upload of big.bin is queued', queued, { logOf: a });
    const listing = JSON.parse(await arbor(a, 'transfers', 'list', '--json'));
    assert.equal(listing.paused, true);
    assert.equal(listing.assistant, true);
    assert.deepEqual(listing.running, [], 'nothing started while paused');
    // What the pause holds back is named, not only counted.
    assert.match(await arbor(a, 'transfers', 'list'), /\nqueued: 1 \(held by the pause; git arbor transfers resume\)\n {2}waiting: to r: big\.bin\n/);
    assert.deepEqual(JSON.parse(await arbor(a, 'whereis', '--json', 'big.bin')).whereis.map((w: { description: string }) => w.description), ['A'], 'the remote has no copy');

    await arbor(a, 'transfers', 'resume');
    await eventually('big.bin reaches the remote', async () => JSON.parse(await arbor(a, 'whereis', '--json', 'big.bin')).whereis.length === 2, { logOf: a });
    await eventually('nothing left queued', async () => JSON.parse(await arbor(a, 'transfers', 'list', '--json')).queued === 0, { logOf: a });
  } finally {
    await stopAssistant(a);
  }
});

test('a running assistant reports the progress of a rate-limited upload in status --json and transfers list', { timeout: 180_000 }, async () => {
  const a = await makeRepo({ name: 'a' });
  const bare = await makeRepo({ bare: true, parent: join(a, '..'), name: 'r.git' });
  await arbor(a, 'init', 'A');
  writeFileSync(join(a, 'seed.txt'), 'seed\n');
  await arbor(a, 'sync');
  await git(a, 'remote', 'add', 'r', bare);
  await arbor(a, 'sync');
  await configureFastAssistant(a);
  // About 32 seconds for the file below: long enough for a loaded machine to run status a few times meanwhile.
  await git(a, 'config', 'arbor.transfers.ratelimit', '64KiB/s');
  await git(a, 'config', 'arbor.transfers.slots', '1');
  await startAssistant(a);
  try {
    const size = 2 * (1 << 20);
    writeFileSync(join(a, 'slow.bin'), randomBytes(size));
    type Listed = { file: string; key: string; remote: string; direction: string; done: number; total: number };
    let seen: Listed | undefined;
    await eventually('status shows the upload part way', async () => {
      const s = JSON.parse(await arbor(a, 'status', '--json')) as { transfers: { running: Listed[] } };
      seen = s.transfers.running.find((t) => t.file === 'slow.bin' && t.done > 0 && t.done < t.total);
      return seen !== undefined;
    }, { logOf: a });
    assert.ok(seen);
    assert.match(seen.key, /^SHA256E-s2097152--[0-9a-f]{64}\.bin$/);
    assert.deepEqual({ file: seen.file, remote: seen.remote, direction: seen.direction, total: seen.total }, { file: 'slow.bin', remote: 'r', direction: 'upload', total: size });
    // People read percent, rate and time left, in status and in transfers list.
    const line = /to r: slow\.bin \d+% of 2\.0 MiB, [\d.]+ KiB\/s, \S+ left/;
    await eventually('status and transfers list show percent, rate and time left', async () => line.test(await arbor(a, 'status')) && line.test(await arbor(a, 'transfers', 'list')), { logOf: a });
    // Seen: lift the limit (the assistant follows it at the next chunk) rather than poll through the rest of a slow upload.
    await git(a, 'config', '--unset', 'arbor.transfers.ratelimit');
    await eventually('slow.bin reaches the remote', async () => JSON.parse(await arbor(a, 'whereis', '--json', 'slow.bin')).whereis.length === 2, { logOf: a });
  } finally {
    await stopAssistant(a);
  }
});
