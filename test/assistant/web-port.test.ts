// Where the status page listens: its default port taken (it moves to a free one), arbor.web.port taken or not a port (a problem in status, the rest runs on), and `git arbor web` opening it with the user's browser.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { git, writeFiles } from '../helpers/repo.js';
import { hubAndClones } from '../helpers/arbor.js';
import { runArbor } from '../helpers/run.js';
import { configureFastAssistant, daemonStatus, eventually, startAssistant, stopAssistant } from '../helpers/assistant.js';
import { tempDir } from '../helpers/tmp.js';
import { findRepository } from '../../src/git/repo.js';
import { defaultWebPort, parseWebPort } from '../../src/assistant/web/address.js';

interface Status {
  problems: Array<{ id: string; message: string }>;
  lastCommit: { sha: string } | null;
}

/** `status --json` (it exits 1 while a problem needs the user; the report is printed all the same). */
async function status(repo: string): Promise<Status> {
  return JSON.parse((await runArbor(['status', '--json'], { cwd: repo })).stdout) as Status;
}

/** Something else listening on 127.0.0.1:`port` (0: any); resolves once it listens. A port another program holds already counts as taken too. */
async function occupy(port: number): Promise<{ port: number; server: Server | undefined }> {
  const server = createServer((s) => s.destroy());
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' ? resolve({ port, server: undefined }) : reject(err)));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      const a = server.address();
      resolve({ port: typeof a === 'object' && a ? a.port : port, server });
    });
  });
}

test('the default port taken by another program: the page moves to a free port, git arbor web opens it with the user\'s browser and --print prints it', async () => {
  const { clones: [a] } = await hubAndClones(['A']);
  assert.ok(a);
  await configureFastAssistant(a);
  const taken = await occupy(defaultWebPort((await findRepository(a)).commonDir));
  await startAssistant(a);
  try {
    const printed = await eventually('the page is served', async () => (await runArbor(['web', '--print'], { cwd: a })).code === 0, { logOf: a }).then(() => runArbor(['web', '--print'], { cwd: a }));
    const url = new URL(printed.stdout.trim());
    assert.equal(url.hostname, '127.0.0.1');
    assert.notEqual(Number(url.port), taken.port, 'not the taken default port');
    assert.ok(Number(url.port) < 17000 || Number(url.port) > 17999, `a free port the system chose, outside the default range (${url.port})`);
    assert.equal((await fetch(new URL('api/status', url))).status, 200, 'the page answers there');
    assert.equal((await status(a)).problems.filter((p) => p.id === 'web').length, 0, 'moving off a taken default port is no problem');
    // The user's browser (here a script that writes down what it was given) gets the whole address.
    const dir = tempDir('arbor-browser-');
    const opened = join(dir, 'opened');
    const browser = join(dir, 'browser');
    writeFileSync(browser, `#!/bin/sh\nprintf '%s' "$1" > "${opened}.tmp" && mv "${opened}.tmp" "${opened}"\n`);
    chmodSync(browser, 0o755);
    const r = await runArbor(['web'], { cwd: a, env: { ARBOR_BROWSER: browser } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `opened the status page: ${url.origin}/…/\n`, 'the terminal line leaves the secret out');
    await eventually('the browser was given the page', () => existsSync(opened));
    assert.equal(readFileSync(opened, 'utf8'), url.href);
    const none = await runArbor(['web'], { cwd: a, env: { ARBOR_BROWSER: join(dir, 'no-such-browser') } });
    assert.equal(none.code, 1);
    assert.match(none.stderr, /^git-arbor: cannot run .*no-such-browser \(.*\); open http:\/\/127\.0\.0\.1:\d+\/\S+\/ yourself, or use git arbor web --print\n$/);
  } finally {
    await stopAssistant(a);
    taken.server?.close();
  }
});

test('arbor.web.port taken: the page is off, status and git arbor web say why, and everything else runs on', async () => {
  const { hub, clones: [a] } = await hubAndClones(['A']);
  assert.ok(a);
  await configureFastAssistant(a);
  const taken = await occupy(0);
  await git(a, 'config', 'arbor.web.port', String(taken.port));
  await startAssistant(a);
  try {
    const off = await eventually('the assistant notes the page\'s problem', async () => (await daemonStatus(a)).problems.some((p) => p.id === 'web'), { logOf: a }).then(async () => (await status(a)).problems.find((p) => p.id === 'web'));
    assert.match(off?.message ?? '', new RegExp(`^the status page is off: cannot listen on 127\\.0\\.0\\.1:${taken.port}: .*(EADDRINUSE|address already in use)`));
    const r = await runArbor(['web', '--print'], { cwd: a });
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `git-arbor: ${off?.message ?? ''}\n`);
    writeFiles(a, { 'still.txt': 'committed and pushed without the page\n' });
    await eventually('the rest of the assistant runs: the file reaches the hub', async () => (await git(hub, 'ls-tree', '--name-only', 'main', '--', 'still.txt').catch(() => '')) === 'still.txt', { logOf: a });
  } finally {
    await stopAssistant(a);
    taken.server?.close();
  }
});

test('arbor.web.port must be a port number', () => {
  assert.equal(parseWebPort(undefined), undefined);
  assert.equal(parseWebPort(' 8080 '), 8080);
  assert.equal(parseWebPort('0'), 0, '0 picks a free port');
  for (const bad of ['abc', '65536', '-1', '80.5']) assert.throws(() => parseWebPort(bad), { message: `git config arbor.web.port=${bad} is not a port number (0-65535; 0 picks a free port)` });
});
