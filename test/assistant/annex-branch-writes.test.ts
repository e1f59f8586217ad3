// What another process writes into the git-annex branch of a repository whose assistant runs (a peer that sent content there, a git-annex command) reaches that assistant's remotes.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { git, makeRepo, writeFiles } from '../helpers/repo.js';
import { arbor } from '../helpers/arbor.js';
import { configureFastAssistant, eventually, startAssistant, stopAssistant } from '../helpers/assistant.js';
import { ok } from '../helpers/run.js';

/**
 * C, with a first commit, and clones of it named `others` (each initialised, with no remote);
 * C gets D as its remote `d`. C's assistant is set up fast but not started.
 */
async function cAndClones(others: readonly string[]): Promise<{ c: string; parent: string; cUuid: string }> {
  const c = await makeRepo({ name: 'C' });
  const parent = join(c, '..');
  await arbor(c, 'init', 'C');
  writeFiles(c, { 'seed.txt': 'seed\n' });
  await arbor(c, 'sync');
  for (const name of others) {
    await git(parent, 'clone', '-q', c, name);
    await arbor(join(parent, name), 'init', name);
    await git(join(parent, name), 'remote', 'remove', 'origin');
  }
  await git(c, 'remote', 'add', 'd', '../D');
  await configureFastAssistant(c);
  return { c, parent, cUuid: await git(c, 'config', 'annex.uuid') };
}

/** Waits until C's assistant has pushed its git-annex branch into D (its start-up push). */
function firstPushReached(d: string): Promise<void> {
  return eventually('C pushed its git-annex branch to D', async () => (await git(d, 'for-each-ref', 'refs/heads/synced/git-annex')) !== '');
}

test('C\'s assistant passes on what B recorded in C\'s git-annex branch (B\'s upload to C, a describe run in C) to D, which only C reaches', { timeout: 200_000 }, async () => {
  // B → C → D: B sends to C over a local path and records "C has it" in C's own branch; D is C's
  // remote, and nobody else's. Only C's assistant runs.
  const { c, parent, cUuid } = await cAndClones(['B', 'D']);
  const b = join(parent, 'B');
  const d = join(parent, 'D');
  await git(b, 'remote', 'add', 'c', '../C');
  await startAssistant(c);
  try {
    // What D's own git-annex says, once it has merged what C pushed into D.
    const inD = (args: string[]): Promise<string> => ok('git', ['annex', ...args], { cwd: d });
    await firstPushReached(d);

    writeFiles(b, { 'big.bin': randomBytes(300_000) });
    await arbor(b, 'add', 'big.bin');
    await git(b, 'commit', '-qm', 'big');
    await arbor(b, 'copy', '--to', 'c', 'big.bin');
    const key = await git(b, 'annex', 'lookupkey', 'big.bin');
    await eventually('D learns through C that C has big.bin', async () => {
      const where = JSON.parse(await inD(['whereis', '--json', `--key=${key}`])) as { whereis: Array<{ uuid: string }> };
      return where.whereis.some((w) => w.uuid === cUuid);
    }, { logOf: c });

    // The real git-annex, run in C while its assistant runs, commits to C's branch itself.
    await ok('git', ['annex', 'describe', 'here', 'the server in the hall'], { cwd: c });
    await eventually('D learns C\'s new description through C', async () => (await inD(['info', '--fast'])).includes('the server in the hall'), { logOf: c });
    assert.match(await inD(['info', '--fast']), new RegExp(`${cUuid} -- the server in the hall`));
  } finally {
    await stopAssistant(c);
  }
});

test('assistant --stop pushes what waits in the git-annex journal and branch, not only the last commit of the work tree', { timeout: 200_000 }, async () => {
  const { c, parent, cUuid } = await cAndClones(['D']);
  const d = join(parent, 'D');
  await startAssistant(c);
  let stopped = false;
  try {
    await firstPushReached(d);
    // git-annex with annex.alwayscommit=false leaves its change in the journal: no ref moves, so
    // nothing tells the running assistant; only the stop's last push can take it.
    await ok('git', ['-c', 'annex.alwayscommit=false', 'annex', 'describe', 'here', 'renamed just before the stop'], { cwd: c });
    await stopAssistant(c);
    stopped = true;
    assert.match(await ok('git', ['annex', 'info', '--fast'], { cwd: d }), new RegExp(`${cUuid} -- renamed just before the stop`));
  } finally {
    if (!stopped) await stopAssistant(c);
  }
});
