// Per-remote lanes and reachability in the assistant: a remote that accepts connections and never answers holds up nobody, is shown as unreachable, and syncs again when it is back.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fetchAndMerge, pushRemotes } from '../../src/assistant/remote-work.js';
import { arbor, hubAndClones } from '../helpers/arbor.js';
import { assistantContext } from '../helpers/assistant-context.js';
import { configureFastAssistant, daemonRemotes, eventually, startAssistant, stopAssistant } from '../helpers/assistant.js';
import { startHungHost, sshProcessesFor } from '../helpers/hung-host.js';
import { git, makeRepo, writeFiles } from '../helpers/repo.js';
import { runArbor } from '../helpers/run.js';
import { needsSshd, startSshd } from '../helpers/sshd.js';
import { annex } from '../helpers/annex-fixtures.js';
import { needsGitAnnex } from '../helpers/git-annex.js';

const linux = { skip: process.platform === 'linux' ? false : 'reads /proc to look for leftover ssh processes' };

test('a fetch that hangs holds up only its own remote: the other is fetched, merged and pushed meanwhile', linux, async () => {
  const hung = await startHungHost();
  const { hub, clones: [a, b] } = await hubAndClones(['A', 'B']);
  assert.ok(a && b);
  writeFiles(a, { 'first.txt': 'A\n' });
  await arbor(a, 'sync');
  await arbor(b, 'sync');
  writeFiles(b, { 'from-b.txt': 'B\n' });
  await arbor(b, 'sync');
  await git(a, 'remote', 'add', 'nas', `ssh://127.0.0.1:${hung.port}/srv/annex`);
  // Far longer than the test: only the lanes can keep origin going while nas hangs.
  await git(a, 'config', 'arbor.network.stallseconds', '3600');
  const { ctx, close } = await assistantContext(a);
  const stop = new AbortController();
  try {
    let nasDone = false;
    const nas = fetchAndMerge(ctx, 'nas', stop.signal).finally(() => (nasDone = true));
    await eventually('the hung host has a connection', () => hung.open() > 0);
    assert.equal(await fetchAndMerge(ctx, 'origin', stop.signal), true);
    assert.equal(await git(a, 'ls-files', 'from-b.txt'), 'from-b.txt', 'B\'s change merged while nas hangs');
    writeFiles(a, { 'from-a.txt': 'A\n' });
    await git(a, 'add', 'from-a.txt');
    await git(a, 'commit', '-q', '-m', 'from A');
    const nasPush = pushRemotes(ctx, ['nas'], stop.signal);
    assert.equal(await pushRemotes(ctx, ['origin'], stop.signal), true);
    assert.equal(await git(hub, 'ls-tree', '--name-only', 'synced/main', 'from-a.txt'), 'from-a.txt', 'pushed to origin while nas hangs');
    assert.equal(nasDone, false, 'the nas fetch is still hanging');
    stop.abort(); // the daemon stopping ends the hung operations
    await nas;
    assert.equal(await nasPush, false);
    await eventually('no ssh to the hung host is left running', () => sshProcessesFor(hung.port).length === 0);
    await eventually('every connection to the hung host is closed', () => hung.open() === 0);
  } finally {
    stop.abort();
    await close();
    await hung.close();
  }
});

/** Lines of the daemon log (JSON records). */
function daemonLog(repo: string): Array<{ level: number; msg: string; remote?: string; worker?: string }> {
  const file = join(repo, '.git/annex/arbor/daemon.log');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as { level: number; msg: string; remote?: string; worker?: string }];
      } catch {
        return [];
      }
    });
}

interface RemoteJson {
  state?: string;
  reason?: string;
  unreachableSince?: number;
  nextTry?: number;
}

async function remoteStatus(repo: string, name: string): Promise<RemoteJson | undefined> {
  const s = JSON.parse((await runArbor(['status', '--json'], { cwd: repo })).stdout) as { remotes: Record<string, RemoteJson> };
  return s.remotes[name];
}

test('the assistant keeps syncing the healthy remote (commits and content) while one hangs, shows the hung one in status, and syncs it again when it is back', { ...linux, skip: linux.skip || needsSshd.skip || needsGitAnnex.skip }, async () => {
  const sshd = await startSshd();
  const hung = await startHungHost(); // the NAS: hangs now, later passes connections on to the real sshd
  const { hub, clones: [a, b] } = await hubAndClones(['A', 'B']);
  assert.ok(a && b);
  const nasRepo = await makeRepo({ bare: true, name: 'nas.git' });
  await annex(nasRepo, 'init', '-q', 'nas');
  await git(a, 'remote', 'add', 'nas', `ssh://${sshd.host}:${hung.port}${nasRepo}`);
  await git(a, 'config', 'core.sshCommand', sshd.sshCommand);
  // Long enough for a real ssh handshake on a busy machine (no bytes reach git during it).
  await git(a, 'config', 'arbor.network.stallseconds', '15');
  await git(a, 'config', 'arbor.network.retryseconds', '1');
  await configureFastAssistant(a);
  await startAssistant(a);
  try {
    // (a) B's change reaches A through the hub while nas hangs; nas is named in status.
    writeFiles(b, { 'from-b.txt': 'B\n' });
    await arbor(b, 'sync');
    await eventually('B\'s change is merged into A', async () => (await git(a, 'ls-files', 'from-b.txt')) === 'from-b.txt', { logOf: a });
    await eventually('status shows nas unreachable', async () => (await daemonRemotes(a)).nas?.state === 'unreachable', { logOf: a });
    const nas = await remoteStatus(a, 'nas');
    assert.match(nas?.reason ?? '', /^remote nas: /, 'with the reason');
    assert.ok(nas?.unreachableSince && nas.nextTry, 'since when, and the next try');
    const plain = (await runArbor(['status'], { cwd: a })).stdout;
    assert.match(plain, /^nas: unreachable since \d\d:\d\d \(remote nas: .+\); next try \d\d:\d\d$/m, plain);

    // A's own change reaches the hub meanwhile, its content too: content work does not wait on nas.
    writeFiles(a, { 'from-a.txt': 'A\n', 'photo.jpg': randomBytes(100_000) });
    await eventually('A\'s change reaches the hub', async () => (await git(hub, 'ls-tree', '--name-only', 'synced/main', 'from-a.txt')) === 'from-a.txt', { logOf: a });
    await eventually('the photo\'s content reaches the hub', async () => /origin/.test(await arbor(a, 'whereis', 'photo.jpg')), { logOf: a });

    // (d) The NAS comes back: it gets A's work, its state returns to reachable, with one line each way.
    hung.forwardTo(sshd.port);
    await eventually('nas gets A\'s change', async () => (await git(nasRepo, 'ls-tree', '--name-only', 'synced/main', 'from-a.txt').catch(() => '')) === 'from-a.txt', {
      logOf: a,
      timeoutMs: 180_000,
    });
    await eventually('status shows nas reachable', async () => (await daemonRemotes(a)).nas?.state === 'reachable', { logOf: a });
    await eventually('nas gets the photo\'s content, which waited for it', async () => /\bnas\b/.test(await arbor(a, 'whereis', 'photo.jpg')), { logOf: a, timeoutMs: 120_000 });
    const aboutNas = daemonLog(a).filter((l) => l.remote === 'nas' || /\bnas\b/.test(l.msg));
    // Git sync says it once. Content work says it only when it met the outage before git did (both
    // begin at start-up and wait out the same stall time), so at most once more; neither per try.
    const warnings = aboutNas.filter((l) => l.level >= 40);
    const all = `\n${aboutNas.map((l) => l.msg).join('\n')}`;
    assert.equal(warnings.filter((l) => l.worker !== 'transferrer').length, 1, `one warning from git sync when nas went, none per try:${all}`);
    assert.ok(warnings.filter((l) => l.worker === 'transferrer').length <= 1, `at most one from content work, none per try:${all}`);
    assert.equal(aboutNas.filter((l) => /nas is reachable again/.test(l.msg)).length, 1, 'one line when it is back');
  } finally {
    await stopAssistant(a);
    await hung.close();
    await sshd.stop();
  }
  assert.deepEqual(sshProcessesFor(hung.port), [], 'no ssh to the hung host is left running');
});
