// Assistants on four repositories move a new file's content along the minimum-cost tree: A→B→C→D, A sending once, the dear A→C link unused.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { git, makeRepo, writeFiles } from '../helpers/repo.js';
import { arbor } from '../helpers/arbor.js';
import { configureFastAssistant, eventually, logMessages, daemonRemotes, remotesOf, startAssistant, stopAssistant } from '../helpers/assistant.js';

type Name = 'A' | 'B' | 'C' | 'D';

test('four assistants: A\'s new file reaches D through B and C; A sends it exactly once and never over A→C', { timeout: 400_000 }, async () => {
  // The network. Every repository is non-bare and only knows the repositories it sends to.
  const a = await makeRepo({ name: 'A' });
  const parent = join(a, '..');
  await arbor(a, 'init', 'A');
  writeFiles(a, { 'seed.txt': 'seed\n' });
  await arbor(a, 'sync');
  const dirs: Record<Name, string> = { A: a, B: join(parent, 'B'), C: join(parent, 'C'), D: join(parent, 'D') };
  for (const name of ['B', 'C', 'D'] as const) {
    await git(parent, 'clone', '-q', a, name);
    await arbor(dirs[name], 'init', name);
    await git(dirs[name], 'remote', 'remove', 'origin');
  }
  const remote = async (from: Name, to: Name, cost: number): Promise<void> => {
    await git(dirs[from], 'remote', 'add', to.toLowerCase(), `../${to}`);
    await git(dirs[from], 'config', `remote.${to.toLowerCase()}.annex-cost`, String(cost));
  };
  await remote('A', 'B', 10);
  await remote('A', 'C', 1000);
  await remote('B', 'C', 10);
  await remote('C', 'D', 10);
  const uuid = {} as Record<Name, string>;
  for (const name of ['A', 'B', 'C', 'D'] as const) {
    uuid[name] = await git(dirs[name], 'config', 'annex.uuid');
    await configureFastAssistant(dirs[name]);
  }
  const all = ['A', 'B', 'C', 'D'] as const;
  for (const name of all) await startAssistant(dirs[name]);
  try {
    // The assistants publish their links; A learns B→C and C→D from the git-annex branch it fetches from C.
    const published = async (): Promise<string> => git(a, 'cat-file', '-p', 'git-annex:arbor/network.log').catch(() => '');
    const has = (log: string, from: Name, to: Name): boolean => log.split('\n').some((l) => l.includes(` ${uuid[from]} ${uuid[to]} 1 `) && l.includes('available=1'));
    await eventually('A\'s map holds every link', async () => {
      const log = await published();
      return has(log, 'A', 'B') && has(log, 'A', 'C') && has(log, 'B', 'C') && has(log, 'C', 'D');
    }, { logOf: a });

    const bytes = randomBytes(2 * 1024 * 1024);
    writeFileSync(join(a, 'big.bin'), bytes);
    const dInTree = join(dirs.D, 'big.bin');
    await eventually('D has big.bin\'s content in its work tree', () => existsSync(dInTree) && readFileSync(dInTree).equals(bytes), { logOf: dirs.C });

    // Status counts what each assistant sent: one upload per link of the tree.
    await eventually('the status shows one upload per tree link', async () => {
      const [ra, rb, rc] = [await daemonRemotes(a), await daemonRemotes(dirs.B), await daemonRemotes(dirs.C)];
      return ra.b?.sent === 1 && rb.c?.sent === 1 && rc.d?.sent === 1;
    }, { logOf: a });
    assert.equal((await remotesOf(a)).c?.sent, undefined, 'A never sent to C over the dear link');
  } finally {
    for (const name of all) await stopAssistant(dirs[name]);
  }
  // The logs, complete after the stop, agree: A sent big.bin once, to B; C got it from B.
  const sentByA = logMessages(a).filter((m) => m.startsWith('sent big.bin'));
  assert.deepEqual(sentByA, ['sent big.bin to b']);
  assert.deepEqual(logMessages(dirs.B).filter((m) => m.startsWith('sent big.bin')), ['sent big.bin to c']);
  assert.deepEqual(logMessages(dirs.C).filter((m) => m.startsWith('sent big.bin')), ['sent big.bin to d']);
  // Every repository ends with the content, and the location logs say so.
  const whereis = JSON.parse(await arbor(dirs.D, 'whereis', '--json', 'big.bin'));
  assert.equal(whereis.whereis.length, 4, JSON.stringify(whereis));
});

test('an unreachable repository is routed around and reported once; when it returns, its content follows', { timeout: 400_000 }, async () => {
  const a = await makeRepo({ name: 'A' });
  const parent = join(a, '..');
  await arbor(a, 'init', 'A');
  writeFiles(a, { 'seed.txt': 'seed\n' });
  await arbor(a, 'sync');
  for (const name of ['B', 'C']) {
    await git(parent, 'clone', '-q', a, name);
    await arbor(join(parent, name), 'init', name);
    await git(join(parent, name), 'remote', 'remove', 'origin');
  }
  await git(a, 'remote', 'add', 'b', '../B');
  await git(a, 'config', 'remote.b.annex-cost', '10');
  await git(a, 'remote', 'add', 'c', '../C');
  await git(a, 'config', 'remote.c.annex-cost', '1000');
  await arbor(a, 'sync'); // A learns B's and C's UUIDs and descriptions
  renameSync(join(parent, 'B'), join(parent, 'B-away'));
  await configureFastAssistant(a);
  await startAssistant(a);
  try {
    const one = randomBytes(300_000);
    writeFileSync(join(a, 'one.bin'), one);
    await eventually('one.bin reached C over the dear link', async () => (await daemonRemotes(a)).c?.sent === 1, { logOf: a });
    const two = randomBytes(300_000);
    writeFileSync(join(a, 'two.bin'), two);
    await eventually('two.bin reached C too', async () => (await daemonRemotes(a)).c?.sent === 2, { logOf: a });
    assert.equal((await remotesOf(a)).b?.sent, undefined);
    const warnings = logMessages(a).filter((m) => m.startsWith('no available link reaches'));
    assert.deepEqual(warnings, ['no available link reaches B: their content waits until one is back'], 'B is reported once, not at every batch');

    renameSync(join(parent, 'B-away'), join(parent, 'B'));
    await eventually('B gets both files once it is back', async () => (await daemonRemotes(a)).b?.sent === 2, { logOf: a });
    assert.equal((await remotesOf(a)).c?.sent, 2, 'nothing more went over the dear link');
  } finally {
    await stopAssistant(a);
  }
});
