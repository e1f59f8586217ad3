// Delta transfers between two arbor ends over `git arbor serve` behind a real sshd: only the changed blocks cross the wire, and every object placed verifies.
import '../helpers/env.js';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { needsGitAnnex } from '../helpers/git-annex.js';
import { needsSshd, startSshd, type TestSshd } from '../helpers/sshd.js';
import { annex, annexRun, arbor, makeArborRepo } from '../helpers/annex-fixtures.js';
import { git, makeRepo } from '../helpers/repo.js';
import { tempDir } from '../helpers/tmp.js';
import { eventually } from '../helpers/assistant.js';
import { ARBOR_ROOT, testEnv } from '../helpers/env.js';
import { runArbor } from '../helpers/run.js';
import { prng } from '../helpers/prng.js';
import { openAnnex } from '../../src/annex/annex.js';
import { formatKey, parseKey, requireKey } from '../../src/annex/key.js';
import { parsePointer } from '../../src/annex/pointer.js';
import { hashDirLower } from '../../src/annex/dir-hashes.js';
import { createHash } from 'node:crypto';
import { serveP2P } from '../../src/remotes/p2p-server.js';
import { ByteReader } from '../../src/util/byte-reader.js';
import { encodeBlocks } from '../../src/remotes/delta-wire.js';

const skip = needsGitAnnex.skip || needsSshd.skip;
const options = { skip };
const MiB = 1 << 20;
/** 4 MiB, not the 64 MiB of the issue: the same code paths (several content-defined runs) at a sixteenth of the cost. */
const SIZE = 4 * MiB;

/**
 * An ssh wrapper for fault tests: `node faulty-ssh.mjs corrupt|stall MARKER ssh-args...`. Once
 * the client has sent ARBOR-DGET, it follows the DATA frames coming back; in the third (the first
 * literal batch: run list, chunk lists, literals) it flips one byte ('corrupt': a server whose
 * reply lies) or stops passing bytes on halfway ('stall': the test then kills the client). It
 * creates MARKER when it does so, and does nothing when MARKER exists (the retry goes through).
 */
const FAULTY_SSH = `import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
const [mode, marker, ...args] = process.argv.slice(2);
const c = spawn('ssh', args, { stdio: ['pipe', 'pipe', 'inherit'] });
c.stdin.on('error', () => {});
process.stdin.pipe(c.stdin);
let done = existsSync(marker);
let armed = false;
process.stdin.on('data', (b) => { if (!done && b.includes('ARBOR-DGET')) armed = true; });
let line = '';
let left = 0;
let frameLen = 0;
let frames = 0;
c.stdout.on('data', (chunk) => {
  if (!armed || done) { if (!(done && mode === 'stall' && armed)) process.stdout.write(chunk); return; }
  const out = Buffer.from(chunk);
  for (let i = 0; i < out.length && !done; ) {
    if (left > 0) {
      const n = Math.min(left, out.length - i);
      const mid = i + (frameLen >> 1) - (frameLen - left);
      if (frames === 3 && frameLen > 1 && mid >= i && mid < i + n) {
        done = true;
        writeFileSync(marker, mode);
        if (mode === 'corrupt') { out[mid] ^= 1; break; }
        process.stdout.write(out.subarray(0, mid));
        return;
      }
      left -= n;
      i += n;
      continue;
    }
    const nl = out.indexOf(10, i);
    if (nl < 0) { line += out.toString('latin1', i); break; }
    const m = /^DATA (\\d+)$/.exec(line + out.toString('latin1', i, nl));
    line = '';
    i = nl + 1;
    if (m) { frames++; left = frameLen = Number(m[1]); }
  }
  process.stdout.write(out);
});
c.stdout.on('end', () => process.stdout.end());
c.on('close', (code) => process.exit(code ?? 1));
`;

let parent: string;
let sshd: TestSshd;
let server: string;
let laptop: string;
let desktop: string;
/** Where the counting ssh wrapper appends "<bytes sent> <bytes received>" per ssh process. */
let wireLog: string;
/** Bytes on the wire for sending the first 16 MiB version whole. */
let wholeBytes = 0;
/** An ssh wrapper that interferes once with the first delta reply it carries (see `faultySsh`). */
let faulty: string;

function random(n: number, seed: number): Buffer {
  const rnd = prng(seed);
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i + 4 <= n; i += 4) b.writeUInt32LE(Math.floor(rnd() * 4294967296), i);
  return b;
}

/** Sums the bytes every ssh process moved since the last call. */
function wireBytes(): number {
  let total = 0;
  if (process.env.DELTA_DEBUG) process.stderr.write(`wire: ${readFileSync(wireLog, 'utf8').replace(/\n/g, ' | ')}\n`);
  for (const line of readFileSync(wireLog, 'utf8').split('\n')) {
    const [up, down] = line.split(' ').map(Number);
    if (up !== undefined && down !== undefined && Number.isFinite(up) && Number.isFinite(down)) total += up + down;
  }
  writeFileSync(wireLog, '');
  return total;
}

/** The key `path` points to in the last commit (symlink target or pointer file, read with one git process). */
async function keyOf(dir: string, path: string): Promise<string> {
  const key = parsePointer(await git(dir, 'cat-file', 'blob', `HEAD:${path}`));
  assert.ok(key, `${path} is annexed`);
  return formatKey(key);
}

/** Where the bare server keeps a key's object (git-annex's lower-case hash directories). */
function serverObject(key: string): string {
  return join(server, 'annex', 'objects', hashDirLower(requireKey(key)), key, key);
}

/** Replaces `path` in the laptop with `content` (locked or unlocked as before) and commits it. */
async function commitVersion(path: string, content: Buffer, unlocked = false): Promise<string> {
  rmSync(join(laptop, path), { force: true });
  writeFileSync(join(laptop, path), content);
  const t = Date.now();
  await arbor(laptop, 'add', ...(unlocked ? ['--unlocked'] : []), path);
  if (process.env.DELTA_DEBUG) process.stderr.write(`add ${Date.now() - t} ms\n`);
  await git(laptop, 'commit', '-qm', `new ${path}`);
  await git(laptop, 'push', '-q', 'server', 'main');
  return keyOf(laptop, path);
}

/** Copies the laptop's version to the server; the bytes on the wire. */
async function put(path: string): Promise<number> {
  wireBytes();
  const t = Date.now();
  await arbor(laptop, 'copy', '--to', 'server', path);
  if (process.env.DELTA_DEBUG) process.stderr.write(`put ${Date.now() - t} ms\n`);
  return wireBytes();
}

/** The desktop pulls the commit and gets the content; the bytes on the wire. */
async function get(path: string): Promise<number> {
  await git(desktop, 'pull', '-q', '--ff-only', 'server', 'main');
  wireBytes();
  const t = Date.now();
  await arbor(desktop, 'get', path);
  if (process.env.DELTA_DEBUG) process.stderr.write(`get ${Date.now() - t} ms\n`);
  return wireBytes();
}

/** The server holds `key` and its bytes hash to it (git annex fsck checks all of them at the end). */
function serverHasGood(key: string): void {
  const digest = /--([0-9a-f]{64})/.exec(key)?.[1];
  assert.equal(createHash('sha256').update(readFileSync(serverObject(key))).digest('hex'), digest, `the server's copy of ${key} verifies`);
}

before(async () => {
  if (skip) return;
  parent = tempDir('arbor-delta-');
  wireLog = join(parent, 'wire.log');
  writeFileSync(wireLog, '');
  const counter = join(parent, 'count-ssh.mjs');
  writeFileSync(
    counter,
    [
      "import { spawn } from 'node:child_process';",
      "import { appendFileSync } from 'node:fs';",
      'const [log, ...args] = process.argv.slice(2);',
      "const c = spawn('ssh', args, { stdio: ['pipe', 'pipe', 'inherit'] });",
      'let up = 0; let down = 0;',
      "process.stdin.on('data', (b) => { up += b.length; });",
      "c.stdout.on('data', (b) => { down += b.length; });",
      'process.stdin.pipe(c.stdin);',
      'c.stdout.pipe(process.stdout);',
      "c.stdin.on('error', () => {});",
      "c.on('close', (code) => { appendFileSync(log, `${up} ${down}\\n`); process.exit(code ?? 1); });",
      '',
    ].join('\n'),
  );
  faulty = join(parent, 'faulty-ssh.mjs');
  writeFileSync(faulty, FAULTY_SSH);
  sshd = await startSshd({ keyOptions: `environment="PATH=${process.env.PATH ?? ''}",environment="HOME=${process.env.HOME ?? ''}"` });
  server = await makeRepo({ bare: true, parent, name: 'server.git' });
  await annex(server, 'init', '-q', 'server');
  ({ dir: laptop } = await makeArborRepo({ parent, name: 'laptop', description: 'laptop', files: [{ path: 'big.bin', content: random(SIZE, 1), unlocked: false }] }));
  const useSsh = async (dir: string): Promise<void> => {
    await git(dir, 'config', 'core.sshCommand', `${process.execPath} ${counter} ${wireLog} -F ${sshd.clientConfig}`);
  };
  await git(laptop, 'remote', 'add', 'server', `${sshd.host}:${server}`);
  await useSsh(laptop);
  await git(laptop, 'push', '-q', 'server', 'main');
  wholeBytes = await put('big.bin');
  assert.equal((await git(laptop, 'config', 'remote.server.arbor-serve')).trim(), 'true');
  desktop = join(parent, 'desktop');
  await git(parent, 'clone', '-q', server, desktop);
  await git(desktop, 'remote', 'rename', 'origin', 'server');
  await git(desktop, 'remote', 'set-url', 'server', `${sshd.host}:${server}`);
  await useSsh(desktop);
  await arbor(desktop, 'init', 'desktop');
  await get('big.bin');
});
after(async () => {
  if (skip) return;
  await sshd.stop();
});

test('delta: an in-place overwrite of 64 KiB in an 8 MiB file costs about the changed blocks, both ways', options, async () => {
  const v = Buffer.from(readFileSync(join(laptop, 'big.bin')));
  random(64 << 10, 2).copy(v, SIZE / 2);
  const key = await commitVersion('big.bin', v);
  const sent = await put('big.bin');
  assert.ok(sent < 200_000, `${sent} bytes sent (whole: ${wholeBytes})`);
  serverHasGood(key);
  const got = await get('big.bin');
  assert.ok(got < 200_000, `${got} bytes got`);
  assert.ok(readFileSync(join(desktop, 'big.bin')).equals(v));
});

test('delta: 4 KiB inserted near the start shifts nothing after it', options, async () => {
  const old = readFileSync(join(laptop, 'big.bin'));
  const v = Buffer.concat([old.subarray(0, 10_000), random(4096, 3), old.subarray(10_000)]);
  const key = await commitVersion('big.bin', v);
  const sent = await put('big.bin');
  assert.ok(sent < 160_000, `${sent} bytes sent: a few chunks around the insertion, not the rest of the file`);
  serverHasGood(key);
});

test('delta: an append to an unlocked file sends the new tail', options, async () => {
  const v = Buffer.concat([readFileSync(join(laptop, 'big.bin')), random(MiB, 4)]);
  const key = await commitVersion('big.bin', v, true);
  const sent = await put('big.bin');
  assert.ok(sent > MiB && sent < MiB + 100_000, `${sent} bytes sent`);
  serverHasGood(key);
});

test('delta: a complete rewrite costs no more than a whole transfer plus a few KiB, both ways', options, async () => {
  const v = random(SIZE, 5);
  const key = await commitVersion('big.bin', v);
  const sent = await put('big.bin');
  assert.ok(sent <= wholeBytes + 4096, `${sent} bytes sent, whole transfer ${wholeBytes}`);
  serverHasGood(key);
  const got = await get('big.bin');
  assert.ok(got >= SIZE && got <= wholeBytes + 4096, `${got} bytes got, whole transfer ${wholeBytes}`);
  assert.ok(readFileSync(join(desktop, 'big.bin')).equals(v));
});

test('delta: a corrupted basis on the server still yields the right object (what matches is only what is really there)', options, async () => {
  const basisKey = await keyOf(laptop, 'big.bin');
  const basis = serverObject(basisKey);
  const bad = Buffer.from(readFileSync(basis));
  bad.fill(0, SIZE / 4, SIZE / 4 + 100_000);
  chmodSync(join(basis, '..'), 0o755);
  chmodSync(basis, 0o644);
  writeFileSync(basis, bad);
  const good = readFileSync(join(laptop, 'big.bin'));
  const v = Buffer.from(good);
  random(8192, 6).copy(v, SIZE - 100_000);
  const key = await commitVersion('big.bin', v);
  const sent = await put('big.bin');
  assert.ok(sent < 300_000, `${sent} bytes sent: the corrupted 100 KB and the edit`);
  serverHasGood(key);
  // Repaired, so that fsck on the server is clean at the end.
  writeFileSync(basis, good);
  chmodSync(basis, 0o444);
  chmodSync(join(basis, '..'), 0o555);
});

/** Points the desktop's ssh at the faulty wrapper in `mode` until `fn` is done, then back at the counting one. */
async function withFaultySsh(mode: 'corrupt' | 'stall', marker: string, fn: () => Promise<void>): Promise<void> {
  const counting = await git(desktop, 'config', 'core.sshCommand');
  await git(desktop, 'config', 'core.sshCommand', `${process.execPath} ${faulty} ${mode} ${marker} -F ${sshd.clientConfig}`);
  try {
    await fn();
  } finally {
    await git(desktop, 'config', 'core.sshCommand', counting.trim());
  }
}

test('delta: a reply that lies (a flipped byte in the blocks sent) is caught by the hash: one note, a whole transfer, a good object', options, async () => {
  const v = Buffer.from(readFileSync(join(laptop, 'big.bin')));
  random(32 << 10, 8).copy(v, SIZE / 3);
  const key = await commitVersion('big.bin', v);
  await put('big.bin');
  await git(desktop, 'pull', '-q', '--ff-only', 'server', 'main');
  const marker = join(parent, 'corrupted');
  await withFaultySsh('corrupt', marker, async () => {
    const r = await runArbor(['get', 'big.bin'], { cwd: desktop });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(existsSync(marker), 'the reply was corrupted');
    assert.equal(r.stderr.match(/getting it whole/g)?.length, 1, `said once: ${r.stderr}`);
  });
  assert.ok(readFileSync(join(desktop, 'big.bin')).equals(v));
  assert.equal(await keyOf(desktop, 'big.bin'), key);
});

test('delta: a get killed halfway through a delta leaves no object, and the next get completes and verifies', options, async () => {
  const v = Buffer.from(readFileSync(join(laptop, 'big.bin')));
  random(64 << 10, 9).copy(v, SIZE / 5);
  const key = await commitVersion('big.bin', v);
  await put('big.bin');
  await git(desktop, 'pull', '-q', '--ff-only', 'server', 'main');
  const marker = join(parent, 'stalled');
  await withFaultySsh('stall', marker, async () => {
    const client = spawn(process.execPath, [join(ARBOR_ROOT, 'bin', 'git-arbor.js'), 'get', 'big.bin'], { cwd: desktop, env: testEnv, stdio: 'ignore' });
    const exited = new Promise((resolve) => client.on('exit', resolve));
    await eventually('the delta stalls halfway', () => existsSync(marker));
    client.kill('SIGKILL');
    await exited;
    const object = join(desktop, '.git', 'annex', 'objects', (await annex(desktop, 'examinekey', '--format=${hashdirmixed}${key}/${key}', key)).trim());
    assert.equal(existsSync(object), false, 'no object for the new key');
    await arbor(desktop, 'get', 'big.bin');
  });
  assert.ok(readFileSync(join(desktop, 'big.bin')).equals(v));
  const r = await annexRun(desktop, 'fsck', '-q', 'big.bin');
  assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
});

test('delta: a new file has no basis and goes whole both ways; fsck is clean on all three sides', options, async () => {
  await commitVersion('fresh.bin', random(MiB, 7));
  const sent = await put('fresh.bin');
  assert.ok(sent >= MiB, `${sent} bytes sent`);
  assert.ok((await get('fresh.bin')) >= MiB);
  for (const dir of [laptop, desktop]) {
    const r = await annexRun(dir, 'fsck', '-q', '--all');
    assert.equal(r.code, 0, `git annex fsck in ${dir}: ${r.stdout}${r.stderr}`);
  }
  const s = await annexRun(server, 'fsck', '-q', '--all');
  assert.equal(s.code, 0, `git annex fsck --all on the server: ${s.stdout}${s.stderr}`);
});

test('delta: serve refuses an object rebuilt from lying blocks, keeps nothing, and the conversation goes on', options, async () => {
  const srv = await openAnnex(server);
  const basisKey = await keyOf(laptop, 'big.bin');
  const lie = 'SHA256E-s1000--' + 'ab'.repeat(32) + '.bin';
  const input = new PassThrough();
  const output = new PassThrough();
  const stderr = new PassThrough();
  const done = serveP2P({ annex: srv, input, output, stderr });
  const reader = new ByteReader(output);
  assert.match(await reader.line(), /^AUTH-SUCCESS /);
  input.write('VERSION 1\nARBOR-DGET ' + basisKey + '\n');
  assert.equal(await reader.line(), 'VERSION 1');
  assert.equal(await reader.line(), 'ERROR unknown command', 'before ARBOR-DELTA, as git-annex-shell answers');
  input.write('ARBOR-DELTA 1\n');
  assert.equal(await reader.line(), 'ARBOR-DELTA 1');
  input.write(`ARBOR-DPUT ${lie} ${basisKey}\n`);
  assert.equal(await reader.line(), `ARBOR-BASIS ${basisKey}`);
  const runs = encodeBlocks([{ length: 1000, id: '00'.repeat(8) }]);
  input.write(`DATA ${runs.length}\n`);
  input.write(runs);
  assert.equal(await reader.line(), 'DATA 1');
  await reader.bytes(1, () => undefined);
  const literal = Buffer.concat([Buffer.from([0]), Buffer.alloc(1000, 1)]);
  input.write(`DATA ${literal.length}\n`);
  input.write(literal);
  input.write('DATA 0\n');
  assert.equal(await reader.line(), 'FAILURE');
  assert.equal(await srv.store.has(parseKey(lie) as NonNullable<ReturnType<typeof parseKey>>), false);
  input.write(`CHECKPRESENT ${basisKey}\n`);
  assert.equal(await reader.line(), 'SUCCESS');
  input.end();
  await done;
});
