// The assistant commits every name git accepts: newlines, leading dashes, bytes that are not UTF-8, long names.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ok } from '../helpers/run.js';
import { git, writeFiles } from '../helpers/repo.js';
import { arbor, hubAndClones } from '../helpers/arbor.js';
import { configureFastAssistant, eventually, startAssistant, stopAssistant } from '../helpers/assistant.js';
import { needsGitAnnex } from '../helpers/git-annex.js';

/** The NUL-separated names of a git listing, each as hex of its bytes (names need not be UTF-8). */
function namesIn(cwd: string, args: readonly string[]): Set<string> {
  const r = spawnSync('git', args, { cwd });
  assert.equal(r.status, 0, r.stderr.toString());
  const names = new Set<string>();
  for (let at = 0; at < r.stdout.length; ) {
    const end = r.stdout.indexOf(0, at);
    const stop = end < 0 ? r.stdout.length : end;
    if (stop > at) names.add(r.stdout.subarray(at, stop).toString('hex'));
    at = stop + 1;
  }
  return names;
}

test('names with a newline, a leading dash, a non-UTF-8 byte and a 250-byte component are committed, pushed and seen by git-annex', needsGitAnnex, async () => {
  const { hub, clones: [a] } = await hubAndClones(['A']);
  assert.ok(a);
  writeFiles(a, { 'seed.txt': 'seed\n' });
  await arbor(a, 'sync');
  await git(a, 'config', 'annex.largefiles', 'largerthan=100b');
  await configureFastAssistant(a);
  await startAssistant(a);
  const big = (n: number): Buffer => Buffer.alloc(5000, n);
  const names: Array<{ name: Buffer; content: Buffer }> = [
    { name: Buffer.from('line\nbreak.bin'), content: big(1) },
    { name: Buffer.from('line\nbreak.txt'), content: Buffer.from('small\n') },
    { name: Buffer.from('-dash.bin'), content: big(2) },
    { name: Buffer.from('--force'), content: Buffer.from('small\n') },
    { name: Buffer.concat([Buffer.from('sub/caf'), Buffer.from([0xe9]), Buffer.from('.bin')]), content: big(3) },
    { name: Buffer.concat([Buffer.from('lat'), Buffer.from([0xff]), Buffer.from('in1.txt')]), content: Buffer.from('small\n') },
    { name: Buffer.from(`${'l'.repeat(246)}.bin`), content: big(4) },
  ];
  try {
    mkdirSync(join(a, 'sub'));
    for (const { name, content } of names) writeFileSync(Buffer.concat([Buffer.from(`${a}/`), name]), content);
    const wanted = names.map((n) => n.name.toString('hex'));
    await eventually('the hub has every name', async () => {
      const onHub = namesIn(hub, ['ls-tree', '-r', '-z', '--name-only', 'main']);
      return wanted.every((w) => onHub.has(w));
    }, { logOf: a });
    await eventually('the work tree is clean', async () => (await git(a, 'status', '--porcelain')) === '', { logOf: a });
    const status = JSON.parse(await arbor(a, 'status', '--json')) as { pendingChanges: number; couldNotAdd: unknown[] };
    assert.equal(status.pendingChanges, 0);
    assert.deepEqual(status.couldNotAdd, []);
  } finally {
    await stopAssistant(a);
  }
  // git-annex reads the annexed ones as annexed files with their content here.
  const annexed = namesIn(a, ['-c', 'annex.debug=false', 'annex', 'find', '--print0']);
  for (const { name, content } of names) {
    if (content.length > 100) assert.ok(annexed.has(name.toString('hex')), `git-annex finds ${JSON.stringify(name.toString())}`);
  }
  const fsck = await ok('git', ['-c', 'annex.debug=false', 'annex', 'fsck', '--quiet'], { cwd: a });
  assert.doesNotMatch(fsck, /failed/);
});
