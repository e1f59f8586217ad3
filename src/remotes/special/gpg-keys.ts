// gpg with public keys, as encryption=hybrid and encryption=pubkey use it: finding keys, encrypting to them, decrypting with the user's secret key.
//
// The parameters are the ones git-annex passes (measured by logging its gpg runs, git-annex
// 10.20230126): keys are looked up with `--with-colons --list-public-keys KEYID` and recorded by
// the 16-hex-digit id of each primary key listed (so `keyid=` may be an id, a fingerprint or a
// user id, and a user id matching two keys gives both); encrypting to keys is `--recipient K …
// --encrypt --no-encrypt-to --no-default-recipient --force-mdc --no-textmode`, binary output;
// decrypting is `--decrypt`. Decrypting needs a secret key, whose passphrase gpg-agent may ask
// for with the user's pinentry, so those runs have no loopback and no stall watch (gpg.ts).

import { ArborError } from '../../util/errors.js';
import type { Progress } from '../remote.js';
import { GpgError, runGpg, type GpgOptions } from './gpg.js';

/** No public key in gpg's keyring matches a `keyid=`. */
export class GpgKeyNotFoundError extends ArborError {
  constructor(query: string) {
    super('EGPGKEY', `no public key in gpg's keyring matches keyid=${query} (gpg --list-keys '${query}' shows none; import it first)`, { data: { keyid: query } });
    this.name = 'GpgKeyNotFoundError';
  }
}

/** The ids of the primary keys in `gpg --with-colons` output (field 5 of each `pub` line), upper case. */
export function parsePublicKeyIds(colons: string): string[] {
  const ids: string[] = [];
  for (const line of colons.split('\n')) {
    const fields = line.split(':');
    const id = fields[4];
    if (fields[0] === 'pub' && id !== undefined && /^[0-9A-Fa-f]{16}$/.test(id)) ids.push(id.toUpperCase());
  }
  return ids;
}

/** The key ids `query` (an id, a fingerprint or a user id) names in gpg's keyring; none is an error. */
export async function gpgFindPublicKeys(o: GpgOptions, query: string): Promise<string[]> {
  let colons: string;
  try {
    colons = (await runGpg(o, ['--with-colons', '--list-public-keys', '--', query], Buffer.alloc(0))).stdout.toString('utf8');
  } catch {
    throw new GpgKeyNotFoundError(query);
  }
  const ids = parsePublicKeyIds(colons);
  if (ids.length === 0) throw new GpgKeyNotFoundError(query);
  return ids;
}

function recipientArgs(keyIds: readonly string[]): string[] {
  return [...keyIds.flatMap((k) => ['--recipient', k]), '--encrypt', '--no-encrypt-to', '--no-default-recipient', '--force-mdc', '--no-textmode'];
}

/** `data` encrypted to every key of `keyIds` (binary OpenPGP, as git-annex stores an encrypted cipher). */
export async function gpgEncryptToKeys(o: GpgOptions, f: { data: Buffer; keyIds: readonly string[] }): Promise<Buffer> {
  return (await runGpg(o, recipientArgs(f.keyIds), f.data)).stdout;
}

/**
 * gpg says "No secret key" too when the key is there but its passphrase could not be asked for
 * (no pinentry can reach the user); its status lines tell the two apart (measured with gpg 2.2:
 * the secret key was considered, or a pinentry was started).
 */
function lockedKey(err: unknown): unknown {
  if (err instanceof GpgError && err.statusLines.some((l) => /^\[GNUPG:\] (KEY_CONSIDERED|PINENTRY_LAUNCHED) /.test(l))) {
    return new GpgError('gpg: the secret key is in this keyring but could not be unlocked (its passphrase was not given; unlock it in gpg-agent, or run where its pinentry can ask)', { code: 2 }, err.statusLines);
  }
  return err;
}

/** `data` decrypted with whichever of the user's secret keys it was encrypted to. */
export async function gpgDecryptWithSecretKey(o: GpgOptions, data: Buffer): Promise<Buffer> {
  try {
    return (await runGpg(o, ['--status-fd', '2', '--decrypt'], data, { secretKey: true })).stdout;
  } catch (err) {
    throw lockedKey(err);
  }
}

/** Encrypts the file `input` to the new file `output` for `keyIds`, as git-annex's pubkey encryption does. */
export async function gpgEncryptFileToKeys(o: GpgOptions, f: { input: string; output: string; keyIds: readonly string[]; progress?: Progress }): Promise<void> {
  const args = [...(o.encryptOptions ?? []), '--status-fd', '2', '--enable-progress-filter', '--yes', '--output', f.output, ...recipientArgs(f.keyIds), f.input];
  await runGpg(o, args, Buffer.alloc(0), f.progress ? { progress: f.progress } : {});
}

/** Decrypts the file `input` to the new file `output` with the user's secret key; a corrupt or foreign input fails with GpgError. */
export async function gpgDecryptFileWithSecretKey(o: GpgOptions, f: { input: string; output: string; progress?: Progress }): Promise<void> {
  const args = [...(o.decryptOptions ?? []), '--status-fd', '2', '--enable-progress-filter', '--yes', '--output', f.output, '--decrypt', f.input];
  await runGpg(o, args, Buffer.alloc(0), { secretKey: true, ...(f.progress ? { progress: f.progress } : {}) }).catch((err: unknown) => {
    throw lockedKey(err);
  });
}
