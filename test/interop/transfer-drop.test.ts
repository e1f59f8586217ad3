// Against real git-annex: a transfer repository between two clients empties once both hold the content (sync --content), a git-annex drop racing an arbor drop always leaves a copy, and a copy git-annex holds for its own drop is never counted (git-annex's own content lock).
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import { openAnnex } from '../../src/annex/annex.js';
import { listAnnexedFiles } from '../../src/content/annexed-files.js';
import { dropLocal } from '../../src/content/drop.js';
import { closeSession, openSession } from '../../src/content/session.js';
import { ArborError } from '../../src/util/errors.js';
import { needsGitAnnex } from '../helpers/git-annex.js';
import { git, writeFiles } from '../helpers/repo.js';
import { annex, annexRun, arbor, makeArborRepo, objectPath } from '../helpers/annex-fixtures.js';
import { hubAndClones } from '../helpers/arbor.js';
import { runArbor } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';

const bytes = (n: number): Buffer => Buffer.alloc(20_000, n);

/** Whether `dir`'s object store holds the content of `path` in `tree`'s work tree (a locked file: its link names the key). */
async function hasContent(dir: string, path: string, options: { tree?: string; bare?: boolean } = {}): Promise<boolean> {
  const key = basename(readlinkSync(join(options.tree ?? dir, path)));
  return existsSync(await objectPath({ dir, key, bare: options.bare ?? false }));
}

test('a transfer repository between two clients empties once both clients hold the content, and never before', needsGitAnnex, async () => {
  const { hub: T, clones: [A, B] } = await hubAndClones(['A', 'B']);
  assert.ok(A && B);
  await annex(T, 'init', '-q', 'transfer');
  await git(A, 'config', 'annex.largefiles', 'anything');
  writeFiles(A, { 'f.bin': bytes(7) });
  await arbor(A, 'sync', '--content');
  for (const [repo, group] of [['here', 'client'], ['origin', 'transfer']]) {
    await annex(A, 'group', repo as string, group as string);
    await annex(A, 'wanted', repo as string, 'standard');
  }
  const inT = (): Promise<boolean> => hasContent(T, 'f.bin', { tree: A, bare: true });
  await arbor(A, 'sync', '--content');
  assert.ok(await inT(), 'only A holds it: the transfer repository keeps it');
  assert.equal((await annex(A, 'find', '--want-drop-by', 'origin', 'f.bin')).trim(), '', 'git-annex: origin still wants it');
  await annex(B, 'group', 'here', 'client');
  await annex(B, 'wanted', 'here', 'standard');
  await arbor(B, 'sync');
  await arbor(A, 'sync', '--content');
  assert.ok(await inT(), 'B is a client but lacks it: still kept');
  // B gets it from the transfer repository, which then holds a copy nobody needs there.
  const out = await arbor(B, 'sync', '--content');
  assert.match(out, /1 dropped/);
  assert.ok(await hasContent(B, 'f.bin') && (await hasContent(A, 'f.bin')), 'both clients hold it');
  assert.ok(!(await inT()), 'the transfer repository is empty');
  await arbor(A, 'sync');
  assert.equal((await annex(A, 'find', '--want-drop-by', 'origin', 'f.bin')).trim(), 'f.bin', 'git-annex: origin no longer wants it either');
});

/** A (arbor) and B (git-annex, a clone of A) are each other's remotes and both hold f.bin; numcopies 1. */
async function twoHolders(prefix: string, content: Buffer): Promise<{ A: string; B: string }> {
  const parent = tempDir(prefix);
  const { dir: A } = await makeArborRepo({ parent, name: 'A', description: 'A', files: [{ path: 'f.bin', content, unlocked: false }] });
  const B = join(parent, 'B');
  await git(parent, 'clone', '-q', A, B);
  await annex(B, 'init', '-q', 'B');
  await git(A, 'remote', 'add', 'B', B);
  await annex(B, 'get', '-q', 'f.bin');
  await arbor(A, 'sync');
  return { A, B };
}

test('a git-annex drop and an arbor drop racing on the same content always leave a copy', needsGitAnnex, async () => {
  const { A, B } = await twoHolders('arbor-drop-race-', bytes(9));
  for (let round = 0; round < 5; round++) {
    const theirs = annexRun(B, 'drop', 'f.bin');
    const ours = (async () => {
      const a = await openAnnex(A);
      const s = await openSession(a);
      try {
        const [file] = await listAnnexedFiles(s.annex, ['f.bin']);
        assert.ok(file);
        return await dropLocal(s, file).then(
          () => true,
          (err: unknown) => {
            // Only the refusals that keep a copy count as losing the race; anything else is a defect.
            assert.ok(err instanceof ArborError && (err.code === 'ENUMCOPIES' || err.code === 'ECONTENTLOCKED'), `arbor's drop failed otherwise: ${String(err)}`);
            return false;
          },
        );
      } finally {
        await closeSession(s);
        await a.close();
      }
    })();
    const [r, dropped] = await Promise.all([theirs, ours]);
    const inA = await hasContent(A, 'f.bin');
    const inB = await hasContent(B, 'f.bin');
    assert.ok(inA || inB, `round ${round}: both dropped (git-annex: ${r.code} ${r.stderr.trim()}; arbor dropped: ${dropped})`);
    assert.equal(inA, !dropped, `round ${round}: arbor's answer matches its store`);
    assert.equal(inB, r.code !== 0, `round ${round}: git-annex's answer matches its store`);
    // Put the copy back where it went.
    if (!inB) await annex(B, 'get', '-q', 'f.bin');
    if (!inA) await annex(B, 'copy', '-q', '--to', 'origin', 'f.bin');
  }
});

/** Holds an exclusive fcntl lock on `path` in a process of its own, as git-annex does while it drops that copy. */
async function holdLock(path: string): Promise<{ release: () => Promise<void> }> {
  const helper = new URL('../../src/util/fcntl-lock.js', import.meta.url).href;
  const child = spawn(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(helper)}); const l = await m.tryFcntlLock(${JSON.stringify(path)}, 'exclusive'); console.log(l ? 'locked' : 'busy'); process.stdin.resume(); process.stdin.on('end', () => process.exit(0));`], { stdio: ['pipe', 'pipe', 'inherit'] });
  const [line] = (await once(child.stdout, 'data')) as [Buffer];
  assert.equal(line.toString().trim(), 'locked');
  return {
    release: async () => {
      child.stdin.end();
      await once(child, 'exit');
    },
  };
}

test('while git-annex holds the other copy for its own drop, an arbor drop of the last other copy is refused and nothing is lost', needsGitAnnex, async () => {
  const { A, B } = await twoHolders('arbor-drop-held-', bytes(11));
  const inB = await objectPath({ dir: B, key: basename(readlinkSync(join(A, 'f.bin'))), bare: false });
  const held = await holdLock(`${inB}.lck`);
  try {
    const r = await runArbor(['drop', 'f.bin'], { cwd: A });
    assert.notEqual(r.code, 0, 'the drop is refused');
    assert.match(r.stdout + r.stderr, /f\.bin/);
    assert.ok(await hasContent(A, 'f.bin') && (await hasContent(B, 'f.bin')), 'both copies stay');
  } finally {
    await held.release();
  }
  const after = await runArbor(['drop', 'f.bin'], { cwd: A });
  assert.equal(after.code, 0, `with the lock released the drop goes through: ${after.stderr}`);
  assert.ok(!(await hasContent(A, 'f.bin')) && (await hasContent(B, 'f.bin')));
});
