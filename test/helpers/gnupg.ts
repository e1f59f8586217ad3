// A private GnuPG home for tests that encrypt: gpg's agent and files stay out of the user's ~/.gnupg, and the agent is stopped at exit.
import { spawnSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
 * A fresh GnuPG home (mode 0700) whose agent, if gpg starts one, is stopped when the test process
 * exits. With `noPinentry`, its agent cannot ask for a passphrase (its pinentry is /bin/false), so
 * a protected key stays locked, deterministically, terminal or not.
 */
export function makeGnupgHome(options: { noPinentry?: boolean } = {}): string {
  const home = tempDir('arbor-gnupg-');
  chmodSync(home, 0o700);
  if (options.noPinentry) writeFileSync(join(home, 'gpg-agent.conf'), 'pinentry-program /bin/false\n');
  onBeforeCleanup(() => void spawnSync('gpgconf', ['--homedir', home, '--kill', 'gpg-agent']));
  return home;
}

/**
 * Points GNUPGHOME (of this process and every child the helpers start) at a fresh directory and
 * returns it. gpg starts an agent there on first use; it is stopped when the test process exits.
 */
export function useTempGnupgHome(): string {
  const home = makeGnupgHome();
  testEnv.GNUPGHOME = home;
  process.env.GNUPGHOME = home;
  return home;
}

function gpgIn(home: string, args: readonly string[], input?: Buffer): Buffer {
  const r = spawnSync('gpg', ['--homedir', home, '--batch', '--quiet', ...args], { input: input ?? Buffer.alloc(0) });
  if (r.status !== 0) throw new Error(`gpg ${args.join(' ')} exited ${r.status ?? 'by a signal'}: ${r.stderr.toString('utf8').trim()}`);
  return r.stdout;
}

/**
 * A key pair without passphrase in `home` for `uid` (ed25519 to sign, cv25519 to encrypt: gpg's
 * `future-default`, made in a fraction of a second, which git-annex accepts); returns its long
 * key id (16 hex digits, as git-annex records it in cipherkeys=). With `passphrase`, the secret
 * key is protected by it.
 */
export function generateTestKey(home: string, uid: string, passphrase = ''): string {
  gpgIn(home, ['--pinentry-mode', 'loopback', '--passphrase', passphrase, '--quick-gen-key', uid, 'future-default', 'default', 'never']);
  const pub = gpgIn(home, ['--with-colons', '--list-keys', uid]).toString('utf8').split('\n').find((l) => l.startsWith('pub:'));
  const id = pub?.split(':')[4];
  if (!id) throw new Error(`no key listed for ${uid}`);
  return id;
}

/** Copies the public key `keyId` from one home to another. */
export function copyPublicKey(o: { from: string; to: string; keyId: string }): void {
  gpgIn(o.to, ['--import'], gpgIn(o.from, ['--export', o.keyId]));
}

/** Decrypts `data` with a secret key of `home` (to look inside what arbor or git-annex encrypted). */
export function gpgDecrypt(home: string, data: Buffer): Buffer {
  return gpgIn(home, ['--decrypt'], data);
}
