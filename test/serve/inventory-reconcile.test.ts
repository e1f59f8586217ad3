// fsck --fast --from a remote's whole inventory: reconciled over `git arbor serve` behind a real sshd, listed for a path remote; git-annex sees the repaired location log.
import '../helpers/env.js';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { needsGitAnnex } from '../helpers/git-annex.js';
import { needsSshd, startServeOnlySshd, type TestSshd } from '../helpers/sshd.js';
import { annex, arbor, makeArborRepo, objectPath, simpleFiles, uuidOf } from '../helpers/annex-fixtures.js';
import { git, makeRepo } from '../helpers/repo.js';
import { runArbor } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';

const skip = needsGitAnnex.skip || needsSshd.skip;
const options = { skip };

/**
 * An ssh wrapper that lies on the server's behalf: `node lying-ssh.mjs ssh-args...`. After each
 * `ARBOR-RX` the client sends, it flips one byte in the middle of the frame that comes back, so
 * every reconciliation answer the client reads is damaged.
 */
const LYING_SSH = `import { spawn } from 'node:child_process';
const c = spawn('ssh', process.argv.slice(2), { stdio: ['pipe', 'pipe', 'inherit'] });
c.stdin.on('error', () => {});
let armed = 0;
process.stdin.on('data', (b) => { for (let i = b.indexOf('ARBOR-RX\\n'); i >= 0; i = b.indexOf('ARBOR-RX\\n', i + 1)) armed++; c.stdin.write(b); });
process.stdin.on('end', () => c.stdin.end());
let line = '';
let left = 0;
let frameLen = 0;
c.stdout.on('data', (chunk) => {
  const out = Buffer.from(chunk);
  for (let i = 0; i < out.length; ) {
    if (left > 0) {
      const n = Math.min(left, out.length - i);
      const mid = i + (frameLen >> 1) - (frameLen - left);
      if (mid >= i && mid < i + n) out[mid] ^= 0x55;
      left -= n;
      i += n;
      continue;
    }
    const nl = out.indexOf(10, i);
    if (nl < 0) { line += out.toString('latin1', i); break; }
    const m = /^DATA (\\d+)$/.exec(line + out.toString('latin1', i, nl));
    line = '';
    i = nl + 1;
    if (m && armed > 0) { armed--; left = frameLen = Number(m[1]); }
  }
  process.stdout.write(out);
});
c.stdout.on('end', () => process.stdout.end());
c.on('close', (code) => process.exit(code ?? 1));
`;

let parent: string;
let sshd: TestSshd;

before(async () => {
  if (skip) return;
  parent = tempDir('arbor-inventory-');
  // Only serve may answer: a git-annex-shell on the host would hide a client that never asked for reconciliation.
  sshd = await startServeOnlySshd(join(parent, 'remote-bin'));
});
after(async () => {
  if (skip) return;
  await sshd.stop();
});

/** The uuids git-annex's whereis lists for the content of `key`, in `dir`. */
async function whereisKey(dir: string, key: string): Promise<string[]> {
  const out = await annex(dir, 'whereis', '--json', '--key', key).catch((e: { stdout?: string }) => e.stdout ?? '');
  const line = out.split('\n').find((l) => l.startsWith('{'));
  if (!line) return [];
  return ((JSON.parse(line) as { whereis: Array<{ uuid: string }> }).whereis ?? []).map((w) => w.uuid).sort();
}

/** Puts content into a store by hand, as a restored backup or another tool would, without any log line. */
async function plant(store: { dir: string; bare: boolean }, key: string, content: Buffer): Promise<void> {
  const p = await objectPath({ dir: store.dir, key, bare: store.bare });
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, content);
}

function sha256Key(content: Buffer, ext: string): string {
  return `SHA256E-s${content.length}--${createHash('sha256').update(content).digest('hex')}${ext}`;
}

interface Setup {
  readonly client: string;
  readonly server: { dir: string; bare: boolean };
  readonly serverUuid: string;
  /** Logged on the server, object removed there by hand. */
  readonly gone: string;
  /** On the server, never logged there (the client's branch knows the key). */
  readonly unlogged: string;
  /** On the server, a key the client's branch has never heard of. */
  readonly stranger: string;
}

/**
 * A client with 12 files, all copied to the server and logged there; then the log is made wrong
 * both ways: one object deleted on the server by hand, one file's content put there by hand
 * (dropped from the log first), and one object of a key the client never knew planted there.
 */
async function wrongLog(server: { dir: string; bare: boolean }, url: string, name: string): Promise<Setup> {
  const names = Array.from({ length: 12 }, (_, i) => `f${i}.txt`);
  const { dir: client } = await makeArborRepo({ parent, name, description: 'laptop', files: simpleFiles(names) });
  await git(client, 'remote', 'add', 'server', url);
  if (url.includes(':')) {
    await git(client, 'config', 'core.sshCommand', sshd.sshCommand);
    await git(client, 'config', 'remote.server.annex-ssh-options', `-F ${sshd.clientConfig}`);
  }
  await arbor(client, 'copy', '--to', 'server', '.');
  const keyOf = async (path: string): Promise<string> => (await annex(client, 'find', '--format=${key}', path)).trim();
  const gone = await keyOf('f3.txt');
  rmSync(dirname(await objectPath({ dir: server.dir, key: gone, bare: server.bare })), { recursive: true, force: true });
  const unlogged = await keyOf('f7.txt');
  await arbor(client, 'drop', '--from', 'server', 'f7.txt');
  await plant(server, unlogged, Buffer.from('content of f7.txt\n'));
  const content = Buffer.from('a file nobody here has heard of\n');
  const stranger = sha256Key(content, '.txt');
  await plant(server, stranger, content);
  return { client, server, serverUuid: await uuidOf(server.dir), gone, unlogged, stranger };
}

async function assertRepaired(s: Setup): Promise<void> {
  const here = await uuidOf(s.client);
  assert.deepEqual(await whereisKey(s.client, s.gone), [here], 'the object deleted on the server is no longer logged there');
  assert.deepEqual(await whereisKey(s.client, s.unlogged), [here, s.serverUuid].sort(), 'the unlogged copy on the server is logged');
  assert.deepEqual(await whereisKey(s.client, s.stranger), [s.serverUuid], 'the stranger key is logged on the server');
  assert.deepEqual(await whereisKey(s.client, (await annex(s.client, 'find', '--format=${key}', 'f0.txt')).trim()), [here, s.serverUuid].sort(), 'right entries are left alone');
}

test('fsck --fast --from an ssh remote running serve reconciles its whole inventory, repairs the log both ways, and git-annex agrees', options, async () => {
  const dir = await makeRepo({ bare: true, parent, name: 'server.git' });
  await annex(dir, 'init', '-q', 'home server');
  const s = await wrongLog({ dir, bare: true }, `${sshd.host}:${dir}`, 'laptop');
  assert.equal((await git(s.client, 'config', 'remote.server.arbor-serve')).trim(), 'true', 'the host was found to run serve');

  const r = await runArbor(['fsck', '--fast', '--from', 'server', '--json'], { cwd: s.client });
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { inventory: { method: string; wrong: number; remoteKeys: number; logged: number; bytes: number }; findings: Array<{ key: string; kind: string }> };
  assert.equal(report.inventory.method, 'reconciled');
  assert.equal(report.inventory.logged, 11, 'the log listed 11 keys on the server');
  assert.equal(report.inventory.remoteKeys, 12, 'the server holds 12');
  assert.equal(report.inventory.wrong, 3);
  assert.ok(report.inventory.bytes > 0, 'the exchange is counted');
  assert.deepEqual(
    report.findings.map((f) => [f.key, f.kind]).sort(),
    [[s.gone, 'log-said-present'], [s.unlogged, 'log-said-absent'], [s.stranger, 'log-said-absent']].sort(),
  );
  await assertRepaired(s);

  const again = await runArbor(['fsck', '--fast', '--from', 'server'], { cwd: s.client });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /fsck: inventory of server: 12 keys there, the location log is right \(\d+ bytes exchanged\)/);
});

test('fsck --fast --from a path remote lists its store here and repairs the log the same way', options, async () => {
  const dir = await makeRepo({ bare: true, parent, name: 'local.git' });
  await annex(dir, 'init', '-q', 'usb copy');
  const s = await wrongLog({ dir, bare: true }, dir, 'laptop-local');
  const r = await runArbor(['fsck', '--fast', '--from', 'server'], { cwd: s.client });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /fsck: inventory of server: 12 keys there, 3 wrong entries fixed \(listed here\)/);
  assert.match(r.stdout, /f3\.txt: location log fixed \(content is not present on server\)/);
  assert.match(r.stdout, /f7\.txt: location log fixed \(content is present on server\)/);
  await assertRepaired(s);
});

test('fsck --fast --from with paths checks just those files, one by one, as before', options, async () => {
  const dir = await makeRepo({ bare: true, parent, name: 'paths.git' });
  await annex(dir, 'init', '-q', 'paths server');
  const s = await wrongLog({ dir, bare: true }, `${sshd.host}:${dir}`, 'laptop-paths');
  const r = await runArbor(['fsck', '--fast', '--from', 'server', 'f3.txt'], { cwd: s.client });
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /inventory of/);
  assert.match(r.stdout, /f3\.txt: location log fixed \(content is not present on server\)/);
  assert.deepEqual(await whereisKey(s.client, s.unlogged), [await uuidOf(s.client)], 'files not named are not touched');
});

test('fsck --fast --from a server whose reconciliation answers are damaged says so in one line, checks file by file, and records no claim it did not confirm', options, async () => {
  const dir = await makeRepo({ bare: true, parent, name: 'lying.git' });
  await annex(dir, 'init', '-q', 'lying server');
  const s = await wrongLog({ dir, bare: true }, `${sshd.host}:${dir}`, 'laptop-lied-to');
  const lying = join(parent, 'lying-ssh.mjs');
  writeFileSync(lying, LYING_SSH);
  await git(s.client, 'config', 'core.sshCommand', `${process.execPath} ${lying} -F ${sshd.clientConfig}`);
  const r = await runArbor(['fsck', '--fast', '--from', 'server'], { cwd: s.client });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /fsck: could not check the inventory of server as a whole \(.+\); checking file by file/);
  assert.doesNotMatch(r.stdout, /inventory of server:/);
  // File by file, the two files' entries are put right; the stranger, in no file, is not claimed.
  const here = await uuidOf(s.client);
  assert.deepEqual(await whereisKey(s.client, s.gone), [here]);
  assert.deepEqual(await whereisKey(s.client, s.unlogged), [here, s.serverUuid].sort());
  assert.deepEqual(await whereisKey(s.client, s.stranger), []);
});

test('a configured annex-shell: the real git-annex-shell is checked file by file (asking it changes nothing), a wrapper that runs serve reconciles', options, async () => {
  const dir = await makeRepo({ bare: true, parent, name: 'shell.git' });
  await annex(dir, 'init', '-q', 'shell server');
  const realShell = spawnSync('sh', ['-c', 'command -v git-annex-shell'], { encoding: 'utf8' }).stdout.trim();
  const s = await wrongLog({ dir, bare: true }, `${sshd.host}:${dir}`, 'laptop-shell');
  await git(s.client, 'config', 'remote.server.annex-shell', realShell);
  const plain = await runArbor(['fsck', '--fast', '--from', 'server'], { cwd: s.client });
  assert.equal(plain.code, 0, plain.stderr);
  assert.doesNotMatch(plain.stdout + plain.stderr, /inventory of server/);
  assert.match(plain.stdout, /f3\.txt: location log fixed \(content is not present on server\)/);
  assert.match(plain.stdout, /f7\.txt: location log fixed \(content is present on server\)/);
  assert.deepEqual(await whereisKey(s.client, s.stranger), [], 'file by file, a key in no file is not looked at');

  const wrapper = join(parent, 'serve-as-annex-shell');
  writeFileSync(wrapper, '#!/bin/sh\nexec git-arbor serve "$@"\n');
  chmodSync(wrapper, 0o755);
  await git(s.client, 'config', 'remote.server.annex-shell', wrapper);
  const reconciled = await runArbor(['fsck', '--fast', '--from', 'server'], { cwd: s.client });
  assert.equal(reconciled.code, 0, reconciled.stderr);
  assert.match(reconciled.stdout, /fsck: inventory of server: 12 keys there, 1 wrong entry fixed \(\d+ bytes exchanged\)/);
  assert.deepEqual(await whereisKey(s.client, s.stranger), [s.serverUuid]);
});
