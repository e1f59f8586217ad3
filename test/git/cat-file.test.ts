// The kept-alive cat-file process: binary and large blobs, missing objects, pipelining, restarts.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startCatFile } from '../../src/git/cat-file.js';
import { GitCommandError } from '../../src/git/errors.js';
import { openGit } from '../../src/git/git.js';
import { UsageError } from '../../src/util/errors.js';
import { commitFiles, initRepo } from './fixtures/repo.js';

test('returns binary blobs byte for byte, with type and id', async () => {
  const dir = await initRepo();
  const git = await openGit(dir);
  const cat = startCatFile({ cwd: dir });
  try {
    // Bytes that could confuse a line-based parser: LFs, a fake header, NULs, an empty blob.
    const samples = [Buffer.from('0123456789012345678901234567890123456789 blob 3\nabc\n\n'), Buffer.from([0, 10, 0, 10, 255]), Buffer.alloc(0), randomBytes(100_000)];
    for (const s of samples) {
      const sha = await git.hashObject(s, { write: true });
      const o = await cat.get(sha);
      assert.equal(o?.sha, sha);
      assert.equal(o?.type, 'blob');
      assert.deepEqual(o?.content, s);
    }
  } finally {
    await cat.close();
  }
});

test('a 5 MB blob arrives whole', async () => {
  const dir = await initRepo();
  const big = randomBytes(5 * 1024 * 1024);
  await commitFiles(dir, { 'big.bin': big });
  const git = await openGit(dir);
  try {
    const o = await git.catFile().get('HEAD:big.bin');
    assert.equal(o?.content.length, big.length);
    assert.ok(o?.content.equals(big));
  } finally {
    await git.close();
  }
});

test('missing objects and paths resolve to undefined without disturbing the stream', async () => {
  const dir = await initRepo();
  await commitFiles(dir, { 'a b.txt': 'A', 'c.txt': 'C' });
  const git = await openGit(dir);
  try {
    const cat = git.catFile();
    const [a, missing, noPath, c, tree] = await Promise.all([
      cat.get('HEAD:a b.txt'),
      cat.get('0123456789abcdef0123456789abcdef01234567'),
      cat.get('HEAD:no such file'),
      cat.get('HEAD:c.txt'),
      cat.get('HEAD^{tree}'),
    ]);
    assert.equal(a?.content.toString(), 'A');
    assert.equal(missing, undefined);
    assert.equal(noPath, undefined);
    assert.equal(c?.content.toString(), 'C');
    assert.equal(tree?.type, 'tree');
    await assert.rejects(cat.get('HEAD\nHEAD'), UsageError);
  } finally {
    await git.close();
  }
});

test('many pipelined requests are answered in order', async () => {
  const dir = await initRepo();
  const git = await openGit(dir);
  const blobs = await Promise.all(Array.from({ length: 300 }, (_, i) => git.hashObject(`blob ${i}\n`.repeat(i % 50), { write: true })));
  try {
    const cat = git.catFile();
    const got = await Promise.all(blobs.map((sha, i) => (i % 7 === 0 ? cat.get(`missing-${i}`) : cat.get(sha))));
    got.forEach((o, i) => {
      if (i % 7 === 0) assert.equal(o, undefined);
      else assert.equal(o?.content.toString(), `blob ${i}\n`.repeat(i % 50));
    });
  } finally {
    await git.close();
  }
});

test('a killed process fails its pending requests and the next request starts a new one', async () => {
  const dir = await initRepo();
  const git = await openGit(dir);
  const sha = await git.hashObject('x', { write: true });
  const cat = startCatFile({ cwd: dir });
  try {
    assert.equal((await cat.get(sha))?.content.toString(), 'x');
    const pids = await findCatFilePids(dir);
    assert.equal(pids.length, 1);
    for (const pid of pids) process.kill(pid, 'SIGKILL');
    // Requests issued before the death was noticed fail; then it recovers.
    let recovered = false;
    for (let i = 0; i < 50 && !recovered; i++) {
      try {
        recovered = (await cat.get(sha))?.content.toString() === 'x';
      } catch (e) {
        assert.ok(e instanceof GitCommandError);
      }
    }
    assert.equal(recovered, true);
  } finally {
    await cat.close();
  }
});

test('info gives an object\'s type and size without its content, in order with content reads, from the same process', async () => {
  const dir = await initRepo();
  const git = await openGit(dir);
  const big = await git.hashObject('z'.repeat(100000), { write: true });
  const small = await git.hashObject('s', { write: true });
  const cat = startCatFile({ cwd: dir });
  try {
    const [a, b, c, d] = await Promise.all([cat.info(big), cat.get(small), cat.info('0'.repeat(40)), cat.info(small)]);
    assert.deepEqual(a, { sha: big, type: 'blob', size: 100000 });
    assert.equal(b?.content.toString(), 's');
    assert.equal(c, undefined);
    assert.deepEqual(d, { sha: small, type: 'blob', size: 1 });
    assert.equal((await findCatFilePids(dir)).length, 1);
  } finally {
    await cat.close();
  }
});

test('close stops the process and a later get restarts it', async () => {
  const dir = await initRepo();
  const git = await openGit(dir);
  const sha = await git.hashObject('y', { write: true });
  const cat = git.catFile();
  assert.equal((await cat.get(sha))?.content.toString(), 'y');
  await git.close();
  assert.deepEqual(await findCatFilePids(dir), []);
  assert.equal((await cat.get(sha))?.content.toString(), 'y');
  await git.close();
});

/** The pids of `git cat-file --batch…` processes running in `dir` (from /proc). */
async function findCatFilePids(dir: string): Promise<number[]> {
  const { readdir, readFile, readlink } = await import('node:fs/promises');
  const pids: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmd = (await readFile(`/proc/${name}/cmdline`, 'utf8')).split('\0');
      if (cmd[1] === 'cat-file' && cmd[2]?.startsWith('--batch') === true && (await readlink(`/proc/${name}/cwd`)) === dir) pids.push(Number(name));
    } catch {
      // the process went away while we looked
    }
  }
  return pids;
}
