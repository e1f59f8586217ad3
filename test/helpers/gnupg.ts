// A private GnuPG home for tests that encrypt: gpg's agent and files stay out of the user's ~/.gnupg, and the agent is stopped at exit.
import { spawnSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { testEnv } from './env.js';
import { onBeforeCleanup, tempDir } from './tmp.js';

const probe = spawnSync('gpg', ['--version'], { encoding: 'utf8' });
const hasGpg = probe.status === 0;

if (!hasGpg && process.env.CI) {
  throw new Error('CI=true but gpg is not installed: encryption tests must run in CI (apt-get install gnupg)');
}

/** Pass as test options: skips with the reason when gpg is missing (never in CI, see above). */
export const needsGpg: { skip: string | false } = { skip: hasGpg ? false : 'needs gpg (apt-get install gnupg)' };

/**
 * Points GNUPGHOME (of this process and every child the helpers start) at a fresh directory and
 * returns it. gpg starts an agent there on first use; it is stopped when the test process exits.
 */
export function useTempGnupgHome(): string {
  const home = tempDir('arbor-gnupg-');
  chmodSync(home, 0o700);
  testEnv.GNUPGHOME = home;
  process.env.GNUPGHOME = home;
  onBeforeCleanup(() => void spawnSync('gpgconf', ['--homedir', home, '--kill', 'gpg-agent']));
  return home;
}
