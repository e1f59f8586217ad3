// Instant change notices: a push into a local bare remote, and a push to an ssh server (real sshd, real git-annex-shell notifychanges), reach the assistant's work tree without its fetch schedule; a restarted server is heard again.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { arbor, hubAndClones } from '../helpers/arbor.js';
import { configureFastAssistant, daemonStatus, eventually, startAssistant, stopAssistant } from '../helpers/assistant.js';
import { needsGitAnnex } from '../helpers/git-annex.js';
import { git, makeRepo, writeFiles } from '../helpers/repo.js';
import { runArbor } from '../helpers/run.js';
import { needsSshd, startSshd } from '../helpers/sshd.js';

interface LogLine {
  level: number;
  msg: string;
  remote?: string;
}

function daemonLog(repo: string): LogLine[] {
  const file = join(repo, '.git/annex/arbor/daemon.log');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as LogLine];
      } catch {
        return [];
      }
    });
}

interface NoticesJson {
  state: string;
  via?: string;
  reason?: string;
  since?: number;
  nextTry?: number;
}

async function notices(repo: string, remote: string): Promise<NoticesJson | undefined> {
  const s = JSON.parse((await runArbor(['status', '--json'], { cwd: repo })).stdout) as { remotes: Record<string, { notices?: NoticesJson }> };
  return s.remotes[remote]?.notices;
}

/**
 * The server side of the notices: the git-annex-shell notifychanges processes serving `repo`
 * (this test's sshd started them; the client's ssh, which names the same words, is left alone).
 */
function serverSide(repo: string): number[] {
  const pids: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (/(^|\/)git-annex-shell$/.test(argv[0] ?? '') && argv.includes('notifychanges') && argv.includes(repo)) pids.push(Number(e));
  }
  return pids;
}

const has = async (repo: string, file: string): Promise<boolean> => (await git(repo, 'ls-files', file)) === file;

// One daemon (A) with two remotes: origin, a bare repository on a local path (a filesystem watch
// on its refs), and srv, a bare repository behind a real sshd (git-annex-shell notifychanges).
// B pushes into each in turn. A's fetch schedule is once a year, so only notices can bring B's
// changes before the test ends.
test('changes pushed to a local bare remote and to an ssh server reach the assistant at once; a restarted server is heard again', { ...needsSshd, ...needsGitAnnex }, async () => {
  const sshd = await startSshd();
  const { parent, clones: [a, b] } = await hubAndClones(['A', 'B']);
  assert.ok(a && b);
  const srv = await makeRepo({ bare: true, name: 'srv.git', parent });
  await git(b, 'remote', 'add', 'srv', srv);
  writeFiles(b, { 'first.txt': 'B\n' });
  await arbor(b, 'sync'); // srv gets an annex (git-annex-shell serves only an annex) and B's first commit
  await git(a, 'remote', 'add', 'srv', `${sshd.host}:${srv}`);
  await git(a, 'config', 'core.sshCommand', sshd.sshCommand);
  await arbor(a, 'sync');
  await configureFastAssistant(a);
  await git(a, 'config', 'arbor.assistant.fetch', '0 0 1 1 *');
  await git(a, 'config', 'arbor.assistant.content', 'false');
  await git(a, 'config', 'arbor.network.retryseconds', '1');
  await git(a, 'config', 'arbor.network.stallseconds', '15');
  await startAssistant(a);
  try {
    await eventually('A listens to origin and srv', async () => (await notices(a, 'origin'))?.state === 'listening' && (await notices(a, 'srv'))?.state === 'listening', { logOf: a });
    assert.equal((await notices(a, 'origin'))?.via, 'local');
    assert.equal((await notices(a, 'srv'))?.via, 'ssh');
    const plain = (await runArbor(['status'], { cwd: a })).stdout;
    assert.match(plain, /^srv: change notices: listening \(ssh\) since \d\d:\d\d$/m, plain);

    // (1) A push into the local bare remote.
    writeFiles(b, { 'to-origin.txt': 'B\n' });
    await arbor(b, 'sync', 'origin');
    await eventually('B\'s push into origin reaches A', () => has(a, 'to-origin.txt'), { logOf: a });
    assert.ok(daemonLog(a).some((l) => /^change notice from origin: fetching now$/.test(l.msg)), 'a notice brought it');

    // (2) A push to the ssh server.
    writeFiles(b, { 'to-srv.txt': 'B\n' });
    await arbor(b, 'sync', 'srv');
    await eventually('B\'s push to srv reaches A', () => has(a, 'to-srv.txt'), { logOf: a });
    assert.ok(daemonLog(a).some((l) => /^change notice from srv: fetching now$/.test(l.msg)), 'a notice brought it');

    // (3) The server goes away, its connections with it, and comes back: one line each way, and
    // the next push is heard.
    assert.ok(serverSide(srv).length > 0, 'git-annex-shell notifychanges runs on the server');
    await sshd.stop();
    assert.deepEqual(serverSide(srv), [], 'the server\'s end went down with it');
    await eventually('A says notices from srv stopped', async () => (await notices(a, 'srv'))?.state === 'reconnecting', { logOf: a });
    const down = await notices(a, 'srv');
    assert.ok(down?.since && down.nextTry && down.reason, `since, next try and why: ${JSON.stringify(down)}`);
    await sshd.start();
    await eventually('A listens to srv again', async () => (await notices(a, 'srv'))?.state === 'listening', { logOf: a, timeoutMs: 120_000 });
    writeFiles(b, { 'after-restart.txt': 'B\n' });
    await arbor(b, 'sync', 'srv');
    await eventually('B\'s push after the restart reaches A', () => has(a, 'after-restart.txt'), { logOf: a });
    const aboutSrv = daemonLog(a).filter((l) => l.remote === 'srv' && /change notices/.test(l.msg));
    assert.equal(aboutSrv.filter((l) => /stopped/.test(l.msg)).length, 1, `one line when they went:\n${aboutSrv.map((l) => l.msg).join('\n')}`);
    assert.equal(aboutSrv.filter((l) => /are back$/.test(l.msg)).length, 1, 'one line when they came back');

    // (4) Turned off while running: both listeners stop, and status says why.
    await git(a, 'config', 'arbor.assistant.notify', 'false');
    await eventually('status shows notices off', async () => { const r = (await daemonStatus(a)).remotes; return r.origin?.notices?.state === 'off' && r.srv?.notices?.state === 'off'; }, { logOf: a });
    assert.match((await notices(a, 'srv'))?.reason ?? '', /arbor\.assistant\.notify is false/);
    await eventually('no notifychanges left on the server', () => serverSide(srv).length === 0, { logOf: a });
  } finally {
    await stopAssistant(a);
    await sshd.stop();
  }
});
