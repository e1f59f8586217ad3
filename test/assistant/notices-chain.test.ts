// A chain laptop → ssh server running `git arbor serve` → desktop, assistants on both ends and the fetch schedule once a day: a change crosses the chain through change notices alone.
import '../helpers/env.js';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { arbor } from '../helpers/arbor.js';
import { annex } from '../helpers/annex-fixtures.js';
import { configureFastAssistant, eventually, logMessages, startAssistant, stopAssistant } from '../helpers/assistant.js';
import { needsGitAnnex } from '../helpers/git-annex.js';
import { git, makeRepo } from '../helpers/repo.js';
import { runArbor } from '../helpers/run.js';
import { needsSshd, startServeOnlySshd, type TestSshd } from '../helpers/sshd.js';
import { tempDir } from '../helpers/tmp.js';

const skip = needsGitAnnex.skip || needsSshd.skip;

let parent: string;
let sshd: TestSshd;

before(async () => {
  if (skip) return;
  parent = tempDir('arbor-notices-chain-');
  // The server has no working git-annex-shell: notices and content can only come through serve.
  sshd = await startServeOnlySshd(join(parent, 'server-bin'));
});
after(async () => {
  if (skip) return;
  await sshd.stop();
});

/** A copy that reaches the server over ssh, with its first file sent there (which finds out the host runs serve). */
async function endpoint(name: string, server: string, first: string): Promise<string> {
  const dir = await makeRepo({ parent, name });
  await git(dir, 'config', 'core.sshCommand', sshd.sshCommand);
  await git(dir, 'remote', 'add', 'srv', `${sshd.host}:${server}`);
  await git(dir, 'config', 'remote.srv.annex-ssh-options', `-F ${sshd.clientConfig}`);
  await arbor(dir, 'init', name);
  await git(dir, 'config', 'annex.largefiles', 'anything');
  writeFileSync(join(dir, first), `${name}\n`);
  await arbor(dir, 'add', first);
  await git(dir, 'commit', '-qm', `${name}'s first file`);
  await arbor(dir, 'sync', '--content');
  assert.equal((await git(dir, 'config', 'remote.srv.arbor-serve')).trim(), 'true', `${name} found serve on the host`);
  await configureFastAssistant(dir);
  await git(dir, 'config', 'arbor.assistant.fetch', '0 0 * * *');
  await git(dir, 'config', 'arbor.network.retryseconds', '1');
  return dir;
}

async function listening(repo: string): Promise<boolean> {
  const s = JSON.parse((await runArbor(['status', '--json'], { cwd: repo })).stdout) as { remotes: Record<string, { notices?: { state: string; via?: string } }> };
  const n = s.remotes.srv?.notices;
  return n?.state === 'listening' && n.via === 'ssh';
}

test('a change written on the laptop reaches the desktop through the ssh server by notices alone, with serve answering notifychanges', { skip }, async () => {
  const server = await makeRepo({ bare: true, parent, name: 'server.git' });
  await annex(server, 'init', '-q', 'server');
  const laptop = await endpoint('laptop', server, 'from-laptop.txt');
  const desktop = await endpoint('desktop', server, 'from-desktop.txt');
  await arbor(laptop, 'sync'); // the laptop has the desktop's first commit too: both start level
  await startAssistant(laptop);
  await startAssistant(desktop);
  try {
    await eventually('both listen to the server over ssh', async () => (await listening(laptop)) && (await listening(desktop)), { logOf: [laptop, desktop] });
    // Twice: the server must announce every push, not only the first (its refs watch once followed a renamed-over inode).
    for (const name of ['note.txt', 'second-note.txt']) {
      writeFileSync(join(laptop, name), `${name} written on the laptop\n`);
      await eventually(`the desktop has the laptop's ${name} in its work tree`, async () => (await git(desktop, 'ls-files', name)) === name, { logOf: [laptop, desktop] });
    }
    assert.ok(logMessages(desktop).filter((m) => m === 'change notice from srv: fetching now').length >= 2, 'notices brought them, not the daily fetch');
    await eventually('the desktop gets the note\'s content too', async () => (await arbor(desktop, 'whereis', 'note.txt').catch(() => '')).includes('here'), { logOf: desktop });
  } finally {
    await stopAssistant(laptop);
    await stopAssistant(desktop);
  }
});
