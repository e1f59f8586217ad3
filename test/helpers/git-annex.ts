// Finding the real git-annex binary for interop tests: required in CI, skipped with a reason elsewhere.
import { spawnSync } from 'node:child_process';

const probe = spawnSync('git-annex', ['version', '--raw'], { encoding: 'utf8' });
/** The git-annex version string, or undefined if it is not installed. */
export const gitAnnexVersion: string | undefined = probe.status === 0 ? probe.stdout.trim() : undefined;

if (gitAnnexVersion === undefined && process.env.CI) {
  throw new Error('CI=true but git-annex is not installed: interop tests must run in CI (apt-get install git-annex)');
}

/** Pass as test options: skips with the reason when git-annex is missing (never in CI, see above). */
export const needsGitAnnex: { skip: string | false } = {
  skip: gitAnnexVersion === undefined ? 'needs git-annex (apt-get install git-annex)' : false,
};
