// The node Spawner: exit codes, binary stdout, stdin, env, cwd and start failures.
import '../helpers/env.js';
import { realpathSync } from 'node:fs';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeSpawner, SpawnError } from '../../src/util/spawn.js';
import { tempDir } from '../helpers/tmp.js';

const node = process.execPath;

test('collects binary stdout, stderr and the exit code', async () => {
  const r = await nodeSpawner.run(node, ['-e', 'process.stdout.write(Buffer.from([0,255,10,1])); process.stderr.write("oops"); process.exitCode = 3']);
  assert.equal(r.code, 3);
  assert.deepEqual([...r.stdout], [0, 255, 10, 1]);
  assert.equal(r.stderr, 'oops');
});

test('passes input on stdin, binary included', async () => {
  const input = Buffer.from([1, 2, 0, 3, 255]);
  const r = await nodeSpawner.run(node, ['-e', 'process.stdin.pipe(process.stdout)'], { input });
  assert.deepEqual(r.stdout, input);
});

test('a child that exits without reading a large input is not an error', async () => {
  const r = await nodeSpawner.run(node, ['-e', 'process.exit(0)'], { input: Buffer.alloc(4 * 1024 * 1024) });
  assert.equal(r.code, 0);
});

test('runs in cwd with exactly the given environment', async () => {
  const dir = tempDir();
  const r = await nodeSpawner.run(node, ['-e', 'console.log(process.cwd(), process.env.ONLY_ME, process.env.HOME)'], { cwd: dir, env: { ONLY_ME: 'x' } });
  const [cwd, only, home] = r.stdout.toString().trim().split(' ');
  assert.equal(cwd, realpathSync(dir));
  assert.equal(only, 'x');
  assert.equal(home, 'undefined');
});

test('a missing program or cwd rejects with SpawnError', async () => {
  await assert.rejects(nodeSpawner.run('no-such-program-arbor', []), (e: unknown) => e instanceof SpawnError && e.code === 'ESPAWN');
  await assert.rejects(nodeSpawner.run(node, ['-e', ''], { cwd: '/no/such/dir/arbor' }), SpawnError);
});

test('a signal death reports 128 + signal number', async () => {
  const r = await nodeSpawner.run(node, ['-e', 'process.kill(process.pid, "SIGTERM")']);
  assert.equal(r.code, 143);
});

test('records: yields records split across chunks, multi-byte text intact, then reports the exit', async () => {
  // 3 writes with pauses, so records and a UTF-8 character straddle chunk boundaries.
  const script = `const w = (s) => new Promise((r) => process.stdout.write(s, () => setTimeout(r, 30)));
    const e = Buffer.from('o\\0caf\\u00e9');
    (async () => { await w('one\\0tw'); await w(e.subarray(0, -1)); await w(Buffer.concat([e.subarray(-1), Buffer.from('\\0last')])); process.exitCode = 4; })();`;
  const ends: Array<{ code: number }> = [];
  const got: string[] = [];
  for await (const r of nodeSpawner.records(node, ['-e', script], { separator: '\0', onEnd: (e) => void ends.push(e) })) got.push(r);
  assert.deepEqual(got, ['one', 'two', 'café', 'last']);
  assert.equal(ends[0]?.code, 4);
});

test('records: stopping early kills the program', async () => {
  const script = 'setInterval(() => process.stdout.write("x\\n"), 5)';
  let n = 0;
  for await (const r of nodeSpawner.records(node, ['-e', script], { separator: '\n', onEnd: () => undefined })) {
    assert.equal(r, 'x');
    if (++n === 3) break;
  }
  assert.equal(n, 3, 'the loop ended although the program never exits by itself');
});

test('records: a missing program is a SpawnError', async () => {
  const it = nodeSpawner.records('no-such-program-arbor', [], { separator: '\n', onEnd: () => undefined });
  await assert.rejects(async () => {
    for await (const _ of it) void _;
  }, SpawnError);
});
