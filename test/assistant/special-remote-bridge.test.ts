// Two assistants that never see each other's content directly (their hub holds git only) exchange it through a shared directory special remote; the folder going away is said once and routed around, and content flows again when it is back.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { git, writeFiles } from '../helpers/repo.js';
import { arbor, hubAndClones } from '../helpers/arbor.js';
import { configureFastAssistant, eventually, logMessages, daemonRemotes, remotesOf, startAssistant, stopAssistant } from '../helpers/assistant.js';

/** Whether `path` in `dir` holds exactly `bytes` (following the annex symlink). */
function holds(dir: string, path: string, bytes: Buffer): boolean {
  const p = join(dir, path);
  return existsSync(p) && readFileSync(p).equals(bytes);
}

/**
 * Two copies, laptop and desktop, whose hub is plain git (no annex: content can only go through
 * the folder), and a `directory` special remote `nas` that laptop set up.
 */
async function twoCopiesAndAFolder(): Promise<{ hub: string; clones: string[]; laptop: string; desktop: string; store: string }> {
  const { hub, clones, parent } = await hubAndClones(['laptop', 'desktop']);
  const [laptop, desktop] = clones as [string, string];
  for (const dir of clones) await git(dir, 'config', 'remote.origin.annex-ignore', 'true');
  writeFiles(laptop, { 'seed.txt': 'seed\n' });
  await arbor(laptop, 'sync');
  const store = join(parent, 'nas');
  mkdirSync(store);
  await arbor(laptop, 'initremote', 'nas', 'type=directory', `directory=${store}`, 'encryption=none');
  return { hub, clones, laptop, desktop, store };
}

test('laptop and desktop exchange content through a shared directory remote; its absence is said once and routed around', { timeout: 300_000 }, async () => {
  const { hub, clones, laptop, desktop, store } = await twoCopiesAndAFolder();
  await arbor(laptop, 'sync');
  await arbor(desktop, 'sync');
  await arbor(desktop, 'enableremote', 'nas', `directory=${store}`);
  for (const dir of clones) {
    await configureFastAssistant(dir);
    await git(dir, 'config', 'arbor.network.retryseconds', '1');
  }
  assert.equal(existsSync(join(hub, 'annex')), false);
  for (const dir of clones) await startAssistant(dir);
  try {
    const one = randomBytes(200_000);
    writeFileSync(join(laptop, 'one.bin'), one);
    await eventually('one.bin arrives with its content on desktop', () => holds(desktop, 'one.bin', one), { logOf: [laptop, desktop] });
    await eventually('through nas: laptop sent it there, desktop got it from there', async () => (await daemonRemotes(laptop)).nas?.sent === 1 && (await daemonRemotes(desktop)).nas?.received === 1, { logOf: [laptop, desktop] });
    assert.equal((await remotesOf(desktop)).nas?.received, 1, 'status --json counts what came from nas');
    const whereis = JSON.parse(await arbor(desktop, 'whereis', '--json', 'one.bin'));
    assert.equal(whereis.whereis.length, 3, JSON.stringify(whereis));

    // The folder goes away (the share is unmounted): status names it, the rest goes on.
    renameSync(store, `${store}-away`);
    const two = randomBytes(200_000);
    writeFileSync(join(laptop, 'two.bin'), two);
    await eventually('laptop\'s status names nas unreachable', async () => {
      const nas = (await daemonRemotes(laptop)).nas;
      return nas?.state === 'unreachable' && (nas.reason ?? '').includes('nas');
    }, { logOf: laptop });
    assert.equal((await remotesOf(laptop)).nas?.state, 'unreachable', 'status --json says so too');
    await eventually('the commit of two.bin still reaches desktop over git', () => lstatSync(join(desktop, 'two.bin'), { throwIfNoEntry: false }) !== undefined, { logOf: [laptop, desktop] });
    assert.equal(holds(desktop, 'two.bin', two), false);

    // Back: the content that waited flows again.
    renameSync(`${store}-away`, store);
    await eventually('two.bin arrives on desktop once nas is back', () => holds(desktop, 'two.bin', two), { logOf: [laptop, desktop] });
    await eventually('laptop says nas is back', () => logMessages(laptop).includes('remote nas is reachable again'), { logOf: laptop });
  } finally {
    for (const dir of clones) await stopAssistant(dir);
  }
  // One warning for the outage, however many batches and retries ran meanwhile.
  const warnings = logMessages(laptop).filter((m) => m.includes('nas') && m.includes('will retry'));
  assert.equal(warnings.length, 1, warnings.join('\n'));
  assert.deepEqual(logMessages(laptop).filter((m) => m.includes('nas') && /failed|retrying from scratch/.test(m)), []);
});

/** Every file under `dir` (recursively), outside its tmp/ folder. */
function objectsIn(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .filter((p) => !p.startsWith(join(dir, 'tmp')));
}

test('a directory remote in the transfer group holds content only until every client has it', { timeout: 300_000 }, async () => {
  const { clones, laptop, desktop, store } = await twoCopiesAndAFolder();
  // git-annex's standard groups: both copies are clients, the folder only carries content between them.
  await arbor(laptop, 'group', 'here', 'client');
  await arbor(laptop, 'wanted', 'here', 'standard');
  await arbor(laptop, 'group', 'nas', 'transfer');
  await arbor(laptop, 'wanted', 'nas', 'standard');
  await arbor(laptop, 'sync');
  await arbor(desktop, 'sync');
  await arbor(desktop, 'enableremote', 'nas', `directory=${store}`);
  await arbor(desktop, 'group', 'here', 'client');
  await arbor(desktop, 'wanted', 'here', 'standard');
  for (const dir of clones) await configureFastAssistant(dir);
  for (const dir of clones) await startAssistant(dir);
  try {
    const one = randomBytes(100_000);
    writeFileSync(join(laptop, 'one.bin'), one);
    await eventually('one.bin arrives with its content on desktop', () => holds(desktop, 'one.bin', one), { logOf: [laptop, desktop] });
    await eventually('nas went through: laptop sent it there, desktop got it from there', async () => (await daemonRemotes(laptop)).nas?.sent === 1 && (await daemonRemotes(desktop)).nas?.received === 1, { logOf: [laptop, desktop] });
    await eventually('the folder no longer holds it once both clients do', () => objectsIn(store).length === 0, { logOf: [laptop, desktop] });
    await eventually('the location log says so', async () => JSON.parse(await arbor(desktop, 'whereis', '--json', 'one.bin')).whereis.length === 2, { logOf: desktop });
    assert.equal(holds(laptop, 'one.bin', one), true, 'the clients keep theirs');
  } finally {
    for (const dir of clones) await stopAssistant(dir);
  }
});
