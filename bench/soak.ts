// `npm run soak`: the long soak of the reliability work: random edits on three assistants for 30 minutes (by default) with one remote hung and one flapping.
//
// Usage: npm run soak [-- --minutes N] [--seed N] [--conflicting F]
// F (default 0.2) is the share of edits that write one of a few files every node edits, so merges conflict.
// Prints progress, then one line with the result; exits non-zero if a change did not reach every
// node or `git annex fsck` was not clean. The short version runs in npm test (test/assistant/soak.test.ts).

import { runSoak } from '../test/helpers/soak.js';

function arg(name: string, dflt: number, zero = false): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : dflt;
  if (!Number.isFinite(v) || v < 0 || (v === 0 && !zero)) throw new Error(`--${name} needs a positive number`);
  return v;
}

const minutes = arg('minutes', 30);
const seed = arg('seed', Date.now() % 100_000);
const conflicting = arg('conflicting', 0.2, true);
if (conflicting > 1) throw new Error('--conflicting is a share of the edits, from 0 to 1');
const started = Date.now();
process.stdout.write(`soak: seed ${seed} (replay with --seed ${seed}), ${minutes} min\n`);
const result = await runSoak({
  edits: Number.MAX_SAFE_INTEGER,
  durationMs: minutes * 60_000,
  maxPauseMs: 1500,
  flapEvery: 40,
  seed,
  conflicting,
  convergeMs: 600_000,
  progress: (line) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`),
});
process.stdout.write(
  `soak (seed ${seed}): ${result.edits} edits over ${Math.round((Date.now() - started) / 60_000)} min, ${result.files} files live, ${result.flaps} flaps, ` +
    `${result.hungConnections} connections to the hung host, ${result.sharedEdits} edits of shared files, ${result.conflictMerges} conflicted merges; converged ${Math.round(result.convergedAfterMs / 1000)} s after the last edit; ` +
    `git annex fsck: ${result.fsckFailures.length === 0 ? 'clean' : result.fsckFailures.join(' | ')}\n`,
);
process.exitCode = result.fsckFailures.length === 0 ? 0 : 1;
