// The reachability of special remotes in the assistant: an external remote whose program fails PREPARE is unreachable (one warning, quiet back-off), and a probe that reaches it again says so once and has the transferrer look at the whole tree.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initAnnex } from '../../src/annex/init.js';
import { probeSpecialRemotes } from '../../src/assistant/special-reach.js';
import { assistantContext } from '../helpers/assistant-context.js';
import { makeRepo } from '../helpers/repo.js';
import { runArbor } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';

test('an external remote whose program fails PREPARE is unreachable, said once; reached again, it is back and the whole tree is looked at', async () => {
  const parent = tempDir('arbor-special-reach-');
  const bin = join(parent, 'bin');
  mkdirSync(bin);
  // A cloud that answers only while the file `online` is in its folder.
  writeFileSync(
    join(bin, 'git-annex-remote-cloudy'),
    `#!/bin/sh
echo VERSION 1
while read -r cmd a b c; do
  case "$cmd" in
    INITREMOTE) echo INITREMOTE-SUCCESS ;;
    PREPARE) echo GETCONFIG dir; read -r _ DIR; if [ -e "$DIR/online" ]; then echo PREPARE-SUCCESS; else echo PREPARE-FAILURE cloud offline; fi ;;
    *) echo UNSUPPORTED-REQUEST ;;
  esac
done
`,
  );
  chmodSync(join(bin, 'git-annex-remote-cloudy'), 0o755);
  process.env.PATH = `${bin}:${process.env.PATH ?? ''}`;
  const cloud = join(parent, 'cloud');
  mkdirSync(cloud);
  const repo = await makeRepo({ parent, name: 'laptop' });
  await initAnnex(repo, { description: 'laptop' });
  const r = await runArbor(['initremote', 'cloud', 'type=external', 'externaltype=cloudy', `dir=${cloud}`, 'encryption=none'], { cwd: repo, env: { PATH: process.env.PATH } });
  assert.equal(r.code, 0, r.stderr);

  const { ctx, logs, close } = await assistantContext(repo);
  try {
    assert.deepEqual(await probeSpecialRemotes(ctx, ['cloud', 'origin']), ['origin'], 'git remotes are left to the caller');
    const down = ctx.reachability.get('cloud');
    assert.equal(down.state, 'unreachable');
    assert.match(down.reason ?? '', /cloud offline/);
    assert.equal(ctx.status.snapshot.remotes.cloud?.state, 'unreachable');
    await probeSpecialRemotes(ctx, ['cloud']);
    assert.equal(ctx.reachability.get('cloud').attempts, 2, 'a second failure backs off further');
    const warnings = logs.filter((l) => l.level >= 40).map((l) => l.msg);
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0] ?? '', /remote cloud.*cloud offline; will retry in/);
    assert.deepEqual(ctx.transfers.drain(), [], 'nothing to look at while it is away');

    writeFileSync(join(cloud, 'online'), '');
    await probeSpecialRemotes(ctx, ['cloud']);
    assert.equal(ctx.reachability.get('cloud').state, 'reachable');
    assert.ok(logs.some((l) => l.msg === 'remote cloud is reachable again'));
    assert.deepEqual(ctx.transfers.drain(), [''], 'the transferrer looks at the whole tree');
  } finally {
    await close();
  }
});
