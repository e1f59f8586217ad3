// The stall watchdog with a real daemon: a commit that cannot reach a remote that answers is reported with the remote's own reason, and cleared once it gets there.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hubAndClones } from '../helpers/arbor.js';
import { configureFastAssistant, daemonStatus, eventually, startAssistant, stopAssistant } from '../helpers/assistant.js';
import { git } from '../helpers/repo.js';
import { runArbor } from '../helpers/run.js';

interface StatusJson {
  problems?: Array<{ id: string; message: string }>;
}

async function status(repo: string): Promise<{ code: number; json: StatusJson }> {
  const r = await runArbor(['status', '--json'], { cwd: repo });
  return { code: r.code, json: JSON.parse(r.stdout) as StatusJson };
}

test('a commit the hub refuses is reported as stalled with the hub\'s reason, in status and its exit code, and cleared once the hub takes it', { timeout: 300_000 }, async () => {
  const { hub, clones } = await hubAndClones(['A']);
  const a = clones[0] as string;
  writeFileSync(join(a, 'seed.txt'), 'seed\n');
  await git(a, 'add', 'seed.txt');
  await git(a, 'commit', '-qm', 'seed');
  await git(a, 'push', '-q', 'origin', 'HEAD');
  // The hub answers fetches but refuses every push: reachable, yet nothing new gets there.
  const hook = join(hub, 'hooks', 'pre-receive');
  writeFileSync(hook, '#!/bin/sh\necho "quota exceeded on the hub" >&2\nexit 1\n');
  chmodSync(hook, 0o755);
  await configureFastAssistant(a);
  await git(a, 'config', 'arbor.assistant.stallseconds', '2');
  await startAssistant(a);
  try {
    writeFileSync(join(a, 'notes.txt'), 'a change that cannot leave\n');
    const stalled = /has not reached origin: .*quota exceeded on the hub|has not reached origin: .*pre-receive hook declined/;
    await eventually('the assistant notes the stalled push to origin', async () => stalled.test((await daemonStatus(a)).problems.find((x) => x.id === 'stall:push:origin')?.message ?? ''), { logOf: a, timeoutMs: 120_000 });
    const s = await status(a);
    assert.equal(s.code, 1, 'status exits 1: the assistant needs attention');
    assert.match(s.json.problems?.find((x) => x.id === 'stall:push:origin')?.message ?? '', stalled);
    const plain = await runArbor(['status'], { cwd: a });
    assert.match(plain.stdout, /assistant: running \(pid \d+\), but the commit of .* has not reached origin/);

    rmSync(hook);
    await eventually('the stall clears once the hub takes the commit', async () => !(await daemonStatus(a)).problems.some((x) => x.id.startsWith('stall:')), { logOf: a, timeoutMs: 120_000 });
    const cleared = await status(a);
    assert.equal(cleared.code, 0, JSON.stringify(cleared.json.problems));
    assert.equal(await git(hub, 'rev-parse', 'refs/heads/synced/main'), await git(a, 'rev-parse', 'HEAD'));
  } finally {
    await stopAssistant(a);
  }
});
