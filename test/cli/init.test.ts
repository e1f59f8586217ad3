// `git arbor init`: what it writes, idempotence, clones, and errors.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, runArbor } from '../helpers/run.js';
import { ARBOR_ROOT } from '../helpers/env.js';
import { git, makeRepo } from '../helpers/repo.js';
import { tempDir } from '../helpers/tmp.js';

test('init writes uuid, version 10, the git-annex branch with a uuid.log line, filter and largefiles rule', async () => {
  const repo = await makeRepo();
  const r = await runArbor(['init', 'my laptop & stuff', '--json'], { cwd: repo });
  assert.equal(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout);
  assert.equal(result.created, true);
  const uuid = await git(repo, 'config', 'annex.uuid');
  assert.match(uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.equal(await git(repo, 'config', 'annex.version'), '10');
  assert.match(await git(repo, 'show', 'git-annex:uuid.log'), new RegExp(`^${uuid} my laptop & stuff timestamp=\\d+(\\.\\d+)?s$`));
  assert.equal(await git(repo, 'config', 'filter.annex.process'), 'git-arbor filter-process');
  assert.match(readFileSync(join(repo, '.git/info/attributes'), 'utf8'), /^\* filter=annex$/m);
  assert.match(readFileSync(join(repo, '.gitattributes'), 'utf8'), /^\* annex\.largefiles=\S+$/m);
});

test('init started as `node bin/git-arbor` (no .js) works and writes a filter command that starts this arbor', async () => {
  const repo = await makeRepo();
  const r = await run(process.execPath, [join(ARBOR_ROOT, 'bin', 'git-arbor'), 'init', 'A'], { cwd: repo, env: { PATH: '/usr/bin:/bin' } });
  assert.equal(r.code, 0, r.stderr);
  const filter = await git(repo, 'config', 'filter.annex.process');
  assert.match(filter, /bin\/git-arbor\.js filter-process$/);
  writeFileSync(join(repo, 'big.bin'), Buffer.alloc(300_000, 7));
  await git(repo, 'add', 'big.bin');
  assert.match(await git(repo, 'cat-file', 'blob', ':big.bin'), /^\/annex\/objects\/SHA256E-s300000--/, 'git ran the filter it was given');
});

test('init is idempotent: same uuid, no duplicate lines', async () => {
  const repo = await makeRepo();
  assert.equal((await runArbor(['init', 'one'], { cwd: repo })).code, 0);
  const uuid = await git(repo, 'config', 'annex.uuid');
  const head = await git(repo, 'rev-parse', 'git-annex');
  const again = await runArbor(['init', '--json'], { cwd: repo });
  assert.equal(again.code, 0, again.stderr);
  assert.equal(JSON.parse(again.stdout).created, false);
  assert.equal(await git(repo, 'config', 'annex.uuid'), uuid);
  assert.equal(await git(repo, 'rev-parse', 'git-annex'), head, 'nothing new committed');
  assert.equal(readFileSync(join(repo, '.gitattributes'), 'utf8').match(/annex\.largefiles/g)?.length, 1);
  assert.equal(readFileSync(join(repo, '.git/info/attributes'), 'utf8').match(/filter=annex/g)?.length, 1);
});

test('init in a clone merges origin\'s git-annex branch and records the origin uuid', async () => {
  const a = await makeRepo({ name: 'a' });
  await runArbor(['init', 'origin repo'], { cwd: a });
  await git(a, 'add', '.gitattributes');
  await git(a, 'commit', '-q', '-m', 'attrs');
  const parent = join(a, '..');
  await git(parent, 'clone', '-q', a, 'b');
  const b = join(parent, 'b');
  assert.equal((await runArbor(['init', 'clone'], { cwd: b })).code, 0);
  const log = await git(b, 'show', 'git-annex:uuid.log');
  assert.match(log, /origin repo/);
  assert.match(log, / clone timestamp=/);
  assert.equal(await git(b, 'config', 'remote.origin.annex-uuid'), await git(a, 'config', 'annex.uuid'));
});

test('init outside a git repository is a one-line error', async () => {
  const dir = tempDir();
  const r = await runArbor(['init'], { cwd: dir });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^git-arbor: not a git repository/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});

test('commands in a repository that was never initialised say how to fix it', async () => {
  const repo = await makeRepo();
  const r = await runArbor(['whereis'], { cwd: repo });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /not initialised for arbor.*git arbor init/);
});
