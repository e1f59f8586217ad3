// Two assistants whose hub holds git only exchange content through an external special remote (Debian's git-annex-remote-rclone on rclone's local backend), the program running under the daemons; git-annex reads the result.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { git, writeFiles } from '../helpers/repo.js';
import { arbor, hubAndClones } from '../helpers/arbor.js';
import { annex } from '../helpers/annex-fixtures.js';
import { configureFastAssistant, eventually, daemonRemotes, remotesOf, startAssistant, stopAssistant } from '../helpers/assistant.js';
import { needsRclone, useRclone } from '../helpers/rclone.js';

function holds(dir: string, path: string, bytes: Buffer): boolean {
  const p = join(dir, path);
  return existsSync(p) && readFileSync(p).equals(bytes);
}

test('laptop and desktop exchange content through an rclone external remote run by their assistants, chunked; git-annex finds it there', { ...needsRclone, timeout: 300_000 }, async () => {
  const { clones, parent } = await hubAndClones(['laptop', 'desktop']);
  useRclone(parent);
  const [laptop, desktop] = clones as [string, string];
  for (const dir of clones) await git(dir, 'config', 'remote.origin.annex-ignore', 'true');
  writeFiles(laptop, { 'seed.txt': 'seed\n' });
  await arbor(laptop, 'sync');
  const store = join(parent, 'cloud-store');
  await arbor(laptop, 'initremote', 'cloud', 'type=external', 'externaltype=rclone', 'target=loc', `prefix=${store}`, 'encryption=none', 'chunk=64KiB');
  await arbor(laptop, 'sync');
  await arbor(desktop, 'sync');
  await arbor(desktop, 'enableremote', 'cloud');
  for (const dir of clones) {
    await configureFastAssistant(dir);
    await git(dir, 'config', 'arbor.network.retryseconds', '1');
  }
  for (const dir of clones) await startAssistant(dir);
  try {
    const photo = randomBytes(200_000);
    writeFileSync(join(laptop, 'photo.bin'), photo);
    await eventually('photo.bin arrives with its content on desktop', () => holds(desktop, 'photo.bin', photo), { logOf: [laptop, desktop], timeoutMs: 180_000 });
    await eventually('through cloud: laptop sent it there, desktop got it from there', async () => (await daemonRemotes(laptop)).cloud?.sent === 1 && (await daemonRemotes(desktop)).cloud?.received === 1, { logOf: [laptop, desktop] });
    assert.equal((await remotesOf(desktop)).cloud?.received, 1, 'status --json counts what came from the cloud');
  } finally {
    for (const dir of clones) await stopAssistant(dir);
  }
  // git-annex, in the desktop copy, sees the content on the rclone remote and can check it there.
  const cloudUuid = (await git(desktop, 'config', 'remote.cloud.annex-uuid')).trim();
  assert.match(await annex(desktop, 'whereis', 'photo.bin'), new RegExp(cloudUuid));
  await annex(desktop, 'fsck', '--fast', '--from', 'cloud', 'photo.bin');
});
