// The P2P protocol client against the real git-annex-shell p2pstdio (run locally: the protocol is the same over ssh).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { P2PConnection, protocolFileName } from '../../src/remotes/p2p-connection.js';
import { needsGitAnnex } from '../helpers/git-annex.js';
import { annex, sha256, uuidOf } from '../helpers/annex-fixtures.js';
import { makeRepo } from '../helpers/repo.js';
import { testEnv } from '../helpers/env.js';

const CLIENT_UUID = '0b9a54c4-3f8e-4d2a-9b1e-7c6d5e4f3a21';

async function server(): Promise<{ dir: string; uuid: string }> {
  const dir = await makeRepo({ bare: true, name: 'server.git' });
  await annex(dir, 'init', '-q', 'server');
  return { dir, uuid: await uuidOf(dir) };
}

const children: ChildProcessWithoutNullStreams[] = [];
after(() => {
  for (const c of children) c.kill();
});

function shell(dir: string): ChildProcessWithoutNullStreams {
  const child = spawn('git-annex-shell', ['p2pstdio', dir, CLIENT_UUID], { env: testEnv, stdio: 'pipe' });
  children.push(child);
  return child;
}

async function connect(dir: string): Promise<{ conn: P2PConnection; child: ChildProcessWithoutNullStreams }> {
  const child = shell(dir);
  return { conn: await P2PConnection.open('server', child.stdout, child.stdin), child };
}

function keyOf(bytes: Buffer): string {
  return `SHA256E-s${bytes.length}--${sha256(bytes)}.bin`;
}

async function* once(bytes: Buffer, offset: number): AsyncIterable<Buffer> {
  yield bytes.subarray(offset);
}

/** The object file of `key` in a bare annex, if there is one. */
function objectFile(dir: string, key: string): string | undefined {
  if (!existsSync(join(dir, 'annex', 'objects'))) return undefined;
  const out = execFileSync('find', [join(dir, 'annex', 'objects'), '-type', 'f', '-name', key], { encoding: 'utf8' }).trim();
  return out || undefined;
}

test('P2P: the server greets with its uuid and speaks version 1', needsGitAnnex, async () => {
  const { dir, uuid } = await server();
  const { conn } = await connect(dir);
  assert.equal(conn.uuid, uuid);
  assert.equal(conn.version, 1);
  conn.close();
});

test('P2P: PUT stores verified content there, CHECKPRESENT sees it, GET brings it back, REMOVE drops it', needsGitAnnex, async () => {
  const { dir, uuid } = await server();
  const bytes = Buffer.from('hello over the p2p protocol\n'.repeat(5000));
  const key = keyOf(bytes);
  const { conn } = await connect(dir);
  assert.equal(await conn.checkPresent(key), false);
  assert.equal(await conn.put(key, 'some dir/file.bin', bytes.length, (o) => once(bytes, o)), 'stored');
  assert.equal(await conn.checkPresent(key), true);
  const stored = objectFile(dir, key);
  assert.ok(stored && existsSync(stored), 'object in the server annex');
  assert.deepEqual(readFileSync(stored), bytes);
  // The server recorded its copy in its own location log.
  const whereis = JSON.parse(await annex(dir, 'whereis', '--json', '--key', key)) as { whereis: Array<{ uuid: string }> };
  assert.deepEqual(whereis.whereis.map((w) => w.uuid), [uuid]);
  assert.equal(await conn.put(key, '', bytes.length, (o) => once(bytes, o)), 'already');

  const got: Buffer[] = [];
  let sawValid: boolean | undefined;
  const ok = await conn.get(key, 'file.bin', 10, (c) => void got.push(Buffer.from(c)), async (valid) => {
    sawValid = valid;
    return true;
  });
  assert.equal(ok, true);
  assert.equal(sawValid, true);
  assert.deepEqual(Buffer.concat(got), bytes.subarray(10), 'GET from an offset sends the rest');

  assert.equal(await conn.remove(key), true);
  assert.equal(await conn.checkPresent(key), false);
  conn.close();
});

test('P2P: the server refuses bytes that do not match the key, and keeps nothing', needsGitAnnex, async () => {
  const { dir } = await server();
  const bytes = Buffer.from('the real content\n'.repeat(1000));
  const key = keyOf(bytes);
  const corrupt = Buffer.from(bytes);
  corrupt[100] = corrupt[100]! ^ 0xff;
  const { conn } = await connect(dir);
  assert.equal(await conn.put(key, 'f', bytes.length, (o) => once(corrupt, o)), 'failed');
  assert.equal(await conn.checkPresent(key), false);
  assert.equal(objectFile(dir, key), undefined);
  // The conversation goes on after a refused PUT.
  assert.equal(await conn.put(key, 'f', bytes.length, (o) => once(bytes, o)), 'stored');
  conn.close();
});

test('P2P: LOCKCONTENT holds the content while the callback runs; a missing key is not locked', needsGitAnnex, async () => {
  const { dir } = await server();
  const bytes = Buffer.from('locked content\n');
  const key = keyOf(bytes);
  const { conn } = await connect(dir);
  assert.deepEqual(await conn.withLockedContent(key, async () => 'ran'), { locked: false });
  await conn.put(key, 'f', bytes.length, (o) => once(bytes, o));
  // While it is locked here, git-annex refuses to drop it through another connection (and ends that one).
  const other = await connect(dir);
  await assert.rejects(conn.withLockedContent(key, async () => other.conn.remove(key)), /closed/);
  assert.equal(await conn.checkPresent(key), true);
  // After the unlock it can be dropped.
  const third = await connect(dir);
  assert.equal(await third.conn.remove(key), true);
  // A failing callback is passed on and the conversation stays usable.
  await conn.put(key, 'f', bytes.length, (o) => once(bytes, o));
  await assert.rejects(conn.withLockedContent(key, async () => Promise.reject(new Error('boom'))), /boom/);
  assert.equal(conn.usable, true);
  assert.equal(await conn.checkPresent(key), true);
  conn.close();
  third.conn.close();
});

test('P2P: a dead server ends the conversation with an error, not a hang', needsGitAnnex, async () => {
  const { dir } = await server();
  const { conn, child } = await connect(dir);
  child.kill('SIGKILL');
  await assert.rejects(conn.checkPresent(keyOf(Buffer.from('x'))), /closed|lost|EPIPE/i);
  assert.equal(conn.usable, false);
});

test('P2P: associated file names carry no spaces on the wire', () => {
  assert.equal(protocolFileName('a dir/b\tc.txt'), 'a%dir/b%c.txt');
  assert.equal(protocolFileName('100%.txt'), '100%%.txt');
  assert.equal(protocolFileName(undefined), '');
});

test('P2P: PUT resumes from the partial file an interrupted transfer left on the server', needsGitAnnex, async () => {
  const { dir } = await server();
  const bytes = Buffer.alloc(1 << 20, 3);
  const key = keyOf(bytes);
  mkdirSync(join(dir, 'annex', 'tmp'), { recursive: true });
  writeFileSync(join(dir, 'annex', 'tmp', key), bytes.subarray(0, 300_000));
  const { conn } = await connect(dir);
  let askedFrom: number | undefined;
  const result = await conn.put(key, 'f', bytes.length, (offset) => {
    askedFrom = offset;
    return once(bytes, offset);
  });
  assert.equal(result, 'stored');
  assert.equal(askedFrom, 300_000, 'only the rest was sent');
  assert.deepEqual(readFileSync(objectFile(dir, key) ?? ''), bytes);
  conn.close();
});
