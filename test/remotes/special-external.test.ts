// External special remotes: Debian's git-annex-remote-rclone (against rclone's local backend) works
// through arbor and the result is read by git-annex; a program that crashes or speaks garbage
// fails that transfer only, in one line.
import '../helpers/env.js';
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { annex, arbor, cloneWithGitAnnex, makeArborRepo, type FixtureRepo } from '../helpers/annex-fixtures.js';
import { prng } from '../helpers/prng.js';
import { git } from '../helpers/repo.js';
import { runArbor } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';
import { needsGpg, useTempGnupgHome } from '../helpers/gnupg.js';
import { filesUnder } from '../helpers/files.js';
import { needsRclone, script, useRclone } from '../helpers/rclone.js';

const needs = needsRclone;

/** 150 KiB of reproducible bytes: three 64 KiB chunks. */
function bigContent(): Buffer {
  const rnd = prng(41);
  const b = Buffer.alloc(150 * 1024);
  for (let i = 0; i < b.length; i++) b[i] = Math.floor(rnd() * 256);
  return b;
}

/**
 * Writes `git-annex-remote-<name>` into `bin`: the protocol's loop (VERSION 1, INITREMOTE
 * accepted, anything not in `arms` answered UNSUPPORTED-REQUEST) with `arms`, shell case arms
 * one per line, deciding the rest.
 */
function externalProgram(bin: string, name: string, arms: string): void {
  script(bin, `git-annex-remote-${name}`, `echo VERSION 1\nwhile read -r cmd a b c; do\n  case "$cmd" in\n    INITREMOTE) echo INITREMOTE-SUCCESS ;;\n${arms}    *) echo UNSUPPORTED-REQUEST ;;\n  esac\ndone\n`);
}

let parent: string;
let origin: FixtureRepo;
const big = bigContent();

before(async () => {
  if (needs.skip) return;
  parent = tempDir('arbor-external-');
  const bin = useRclone(parent);
  // A program that crashes on its first transfer (the marker file), then works (a folder store).
  externalProgram(
    bin,
    'flaky',
    `    PREPARE) echo GETCONFIG dir; read -r _ DIR; echo PREPARE-SUCCESS ;;
    TRANSFER) if [ -e "$DIR/crash-once" ]; then rm "$DIR/crash-once"; echo "flaky: simulated crash" >&2; exit 3; fi
      if [ "$a" = STORE ]; then cp "$c" "$DIR/$b"; else cp "$DIR/$b" "$c"; fi; echo TRANSFER-SUCCESS $a $b ;;
    CHECKPRESENT) if [ -e "$DIR/$a" ]; then echo CHECKPRESENT-SUCCESS $a; else echo CHECKPRESENT-FAILURE $a; fi ;;
    REMOVE) rm -f "$DIR/$a"; echo REMOVE-SUCCESS $a ;;
`,
  );
  externalProgram(
    bin,
    'babble',
    `    PREPARE) echo PREPARE-SUCCESS ;;
    CHECKPRESENT) echo CHECKPRESENT-FAILURE $a ;;
    TRANSFER) echo "HELLO THERE $b" ;;
`,
  );
  // A program that tells its cost and availability (GETCOST, GETAVAILABILITY), else like flaky without the crash.
  externalProgram(
    bin,
    'costly',
    `    PREPARE) echo GETCONFIG dir; read -r _ DIR; echo PREPARE-SUCCESS ;;
    GETCOST) echo COST 75 ;;
    GETAVAILABILITY) echo AVAILABILITY LOCAL ;;
    TRANSFER) if [ "$a" = STORE ]; then cp "$c" "$DIR/$b"; else cp "$DIR/$b" "$c"; fi; echo TRANSFER-SUCCESS $a $b ;;
    CHECKPRESENT) if [ -e "$DIR/$a" ]; then echo CHECKPRESENT-SUCCESS $a; else echo CHECKPRESENT-FAILURE $a; fi ;;
    REMOVE) rm -f "$DIR/$a"; echo REMOVE-SUCCESS $a ;;
`,
  );
  // A program that reports some progress on a transfer and then says nothing more (a hung cloud
  // upload), and one that never reports progress but answers after a while (as
  // git-annex-remote-rclone does for every upload).
  externalProgram(
    bin,
    'hangs',
    `    PREPARE) echo PREPARE-SUCCESS ;;
    CHECKPRESENT) echo CHECKPRESENT-FAILURE $a ;;
    TRANSFER) echo PROGRESS 1; echo PROGRESS 2; sleep 6011 ;;
`,
  );
  externalProgram(
    bin,
    'quiet',
    `    PREPARE) echo GETCONFIG dir; read -r _ DIR; echo PREPARE-SUCCESS ;;
    TRANSFER) sleep 3; if [ "$a" = STORE ]; then cp "$c" "$DIR/$b"; else cp "$DIR/$b" "$c"; fi; echo TRANSFER-SUCCESS $a $b ;;
    CHECKPRESENT) if [ -e "$DIR/$a" ]; then echo CHECKPRESENT-SUCCESS $a; else echo CHECKPRESENT-FAILURE $a; fi ;;
`,
  );
  origin = await makeArborRepo({
    description: 'origin',
    parent,
    files: [
      { path: 'big.bin', content: big, unlocked: false },
      { path: 'a.txt', content: Buffer.from('a\n'), unlocked: false },
      { path: 'b.txt', content: Buffer.from('b\n'), unlocked: false },
    ],
  });
});

test('an rclone remote arbor made (git-annex-remote-rclone, chunked): arbor copies to it and drops from it; git-annex gets from it', needs, async () => {
  const store = join(parent, 'rclone', 'store');
  await arbor(origin.dir, 'initremote', 'cloud', 'type=external', 'externaltype=rclone', 'target=loc', `prefix=${store}`, 'encryption=none', 'chunk=64KiB');
  const remoteLog = await git(origin.dir, 'cat-file', '-p', 'git-annex:remote.log');
  assert.match(remoteLog, /chunk=64KiB encryption=none externaltype=rclone name=cloud prefix=\S+ rclone_layout=lower target=loc type=external timestamp=/, 'the settings rclone set at INITREMOTE are recorded');
  await arbor(origin.dir, 'copy', '--to', 'cloud', 'big.bin', 'a.txt');
  const stored = filesUnder(store);
  assert.equal(stored.filter((f) => /^[0-9a-f]{3}\/[0-9a-f]{3}\/SHA256E-s153600-S65536-C[123]--[0-9a-f]{64}\.bin$/.test(f)).length, 3, stored.join(' '));
  await arbor(origin.dir, 'drop', '--from', 'cloud', 'a.txt');
  assert.match(await arbor(origin.dir, 'whereis', 'big.bin'), /-- cloud \[cloud\]/);
  assert.doesNotMatch(await arbor(origin.dir, 'whereis', 'a.txt'), /cloud/);

  const clone = await cloneWithGitAnnex({ origin: origin.dir, description: 'clone', parent });
  await annex(clone.dir, 'enableremote', 'cloud');
  await annex(clone.dir, 'get', '-q', '--from', 'cloud', 'big.bin');
  assert.ok(readFileSync(join(clone.dir, 'big.bin')).equals(big));
});

test('an encrypted rclone remote arbor made (encryption=shared, chunked): only ciphertext under GPGHMAC names reaches rclone, and git-annex gets the content', { skip: needs.skip || needsGpg.skip }, async () => {
  useTempGnupgHome();
  const store = join(parent, 'rclone', 'sealed');
  await arbor(origin.dir, 'initremote', 'sealed', 'type=external', 'externaltype=rclone', 'target=loc', `prefix=${store}`, 'encryption=shared', 'chunk=64KiB');
  await arbor(origin.dir, 'copy', '--to', 'sealed', 'big.bin');
  const stored = filesUnder(store);
  assert.equal(stored.length, 3, stored.join(' '));
  for (const f of stored) assert.match(f, /^[0-9a-f]{3}\/[0-9a-f]{3}\/GPGHMACSHA1--[0-9a-f]{40}$/);

  const clone = await cloneWithGitAnnex({ origin: origin.dir, description: 'sealed-clone', parent, name: 'sealed-clone' });
  await annex(clone.dir, 'enableremote', 'sealed');
  await annex(clone.dir, 'get', '-q', '--from', 'sealed', 'big.bin');
  assert.ok(readFileSync(join(clone.dir, 'big.bin')).equals(big));
});

test('a program\'s own cost and availability (GETCOST, GETAVAILABILITY) are asked once and kept in git config as git-annex keeps them', needs, async () => {
  const dir = join(parent, 'costly-store');
  mkdirSync(dir);
  await arbor(origin.dir, 'initremote', 'costly', 'type=external', 'externaltype=costly', `dir=${dir}`, 'encryption=none');
  await arbor(origin.dir, 'copy', '--to', 'costly', 'a.txt');
  assert.equal(await git(origin.dir, 'config', 'remote.costly.annex-cost'), '75.0');
  assert.equal(await git(origin.dir, 'config', 'remote.costly.annex-availability'), 'LocallyAvailable');
  // git-annex, asking the same program in its own repository, keeps the same two values.
  const other = await cloneWithGitAnnex({ origin: origin.dir, description: 'costly-clone', parent, name: 'costly-clone' });
  await annex(other.dir, 'enableremote', 'costly', `dir=${dir}`);
  await annex(other.dir, 'info', 'costly');
  assert.equal(await git(other.dir, 'config', 'remote.costly.annex-cost'), '75.0');
  assert.equal(await git(other.dir, 'config', 'remote.costly.annex-availability'), 'LocallyAvailable');
  // A cost the user set is never replaced.
  await git(origin.dir, 'config', 'remote.costly.annex-cost', '120');
  await arbor(origin.dir, 'copy', '--to', 'costly', 'b.txt');
  assert.equal(await git(origin.dir, 'config', 'remote.costly.annex-cost'), '120');
});

test('a remote program that crashes fails that transfer only; one that speaks garbage fails in one line', needs, async () => {
  const dir = join(parent, 'flaky-store');
  mkdirSync(dir);
  await arbor(origin.dir, 'initremote', 'flaky', 'type=external', 'externaltype=flaky', `dir=${dir}`, 'encryption=none');
  writeFileSync(join(dir, 'crash-once'), '');
  const r = await runArbor(['copy', '--to', 'flaky', 'a.txt', 'b.txt'], { cwd: origin.dir });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /copy a\.txt failed/);
  assert.match(r.stdout, /copy b\.txt \(to flaky\.\.\.\) ok/, 'the next transfer runs in a fresh program');
  const errors = r.stderr.trim().split('\n');
  assert.match(errors[0] ?? '', /git-annex-remote-flaky: exited unexpectedly \(flaky: simulated crash\)/);
  assert.equal(errors.length, 2, r.stderr); // that line and the summary

  await arbor(origin.dir, 'initremote', 'babble', 'type=external', 'externaltype=babble', 'encryption=none');
  const g = await runArbor(['copy', '--to', 'babble', 'a.txt'], { cwd: origin.dir });
  assert.equal(g.code, 1);
  assert.match(g.stderr, /^git-arbor: git-annex-remote-babble: sent "HELLO THERE SHA256E-s2--\S+", which is not part of the protocol$/m);
});

test('initremote of an external remote whose program is missing or refuses writes nothing', needs, async () => {
  const head = await git(origin.dir, 'rev-parse', 'git-annex');
  const r = await runArbor(['initremote', 'nope', 'type=external', 'externaltype=nosuchprogram', 'encryption=none'], { cwd: origin.dir });
  assert.equal(r.code, 1);
  assert.equal(r.stderr, 'git-arbor: git-annex-remote-nosuchprogram: not found on PATH (is it installed?)\n');
  const refused = await runArbor(['initremote', 'nope', 'type=external', 'externaltype=rclone', 'encryption=none'], { cwd: origin.dir });
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^git-arbor: git-annex-remote-rclone: rclone remote target must be specified/);
  assert.equal(await git(origin.dir, 'rev-parse', 'git-annex'), head);
  assert.doesNotMatch(readFileSync(join(origin.dir, '.git', 'config'), 'utf8'), /nope/);
});

test('a program that stops answering mid-transfer is stopped after arbor.network.stallseconds and the remote named unavailable; one that never reports progress is not cut off', needs, async () => {
  await arbor(origin.dir, 'initremote', 'hangs', 'type=external', 'externaltype=hangs', 'encryption=none');
  await git(origin.dir, 'config', 'arbor.network.stallseconds', '1');
  try {
    const r = await runArbor(['copy', '--to', 'hangs', 'a.txt'], { cwd: origin.dir });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /^git-arbor: remote hangs is not available: no answer for 1 s while waiting for git-annex-remote-hangs \(its answer to TRANSFER\) \(stalled\)$/m);
    assert.equal(processesRunning('sleep 6011'), 0, 'the hung program is gone, and what it started with it');
    // A silent program (no PROGRESS) that takes longer than the stall time still finishes its upload.
    const dir = join(parent, 'quiet-store');
    mkdirSync(dir);
    await arbor(origin.dir, 'initremote', 'quiet', 'type=external', 'externaltype=quiet', `dir=${dir}`, 'encryption=none');
    const q = await runArbor(['copy', '--to', 'quiet', 'a.txt'], { cwd: origin.dir });
    assert.equal(q.code, 0, q.stdout + q.stderr);
    assert.match(await arbor(origin.dir, 'whereis', 'a.txt'), /quiet/);
  } finally {
    await git(origin.dir, 'config', '--unset', 'arbor.network.stallseconds');
  }
});

/** Processes whose command line is exactly `cmdline` (space-separated). */
function processesRunning(cmdline: string): number {
  let n = 0;
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ') === cmdline) n++;
    } catch {
      // gone meanwhile
    }
  }
  return n;
}
