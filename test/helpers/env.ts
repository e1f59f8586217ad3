// Test environment: hermetic git config, an identity, and git-arbor on PATH, for every test process.
import { mkdtempSync, mkdirSync, writeFileSync, symlinkSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';

/** The repository root of arbor itself (test/helpers from there; the test runner runs a compiled copy under .build/). */
const above = resolve(import.meta.dirname, '..', '..');
export const ARBOR_ROOT = basename(above) === '.build' ? dirname(above) : above;

/** A directory with `git-arbor` and `git-annex`-free PATH entries first. */
const binDir = mkdtempSync(join(tmpdir(), 'arbor-bin-'));
if (!existsSync(join(binDir, 'git-arbor'))) symlinkSync(join(ARBOR_ROOT, 'bin', 'git-arbor.js'), join(binDir, 'git-arbor'));

const home = mkdtempSync(join(tmpdir(), 'arbor-home-'));
mkdirSync(join(home, '.config'), { recursive: true });
// No automatic gc or maintenance after each fetch, push and commit: they are git's housekeeping,
// not behaviour under test, and cost two processes per fetch and push across the whole suite.
writeFileSync(join(home, '.gitconfig'), '[user]\n\tname = Arbor Test\n\temail = test@arbor.invalid\n[init]\n\tdefaultBranch = main\n[protocol "file"]\n\tallow = always\n[gc]\n\tauto = 0\n[maintenance]\n\tauto = false\n[receive]\n\tautogc = false\n');

/** Environment for child processes in tests (also applied to this process). */
export const testEnv: NodeJS.ProcessEnv = {
  ...process.env,
  HOME: home,
  GIT_CONFIG_NOSYSTEM: '1',
  PATH: `${binDir}:${process.env.PATH ?? ''}`,
  LC_ALL: 'C.UTF-8',
};
delete testEnv.GIT_DIR;
delete testEnv.GIT_WORK_TREE;
Object.assign(process.env, testEnv);
