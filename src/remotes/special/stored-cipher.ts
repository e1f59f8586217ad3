// A special remote's cipher as remote.log stores it, per encryption scheme: made at initremote, re-encrypted by keyid+=/keyid-=, decrypted for use (git-annex doc/encryption.mdwn, Crypto.hs).
//
// - shared: `cipher=` is the cipher in clear (base64); whoever reads the branch can read the content.
// - hybrid: the same 512-byte cipher, `cipher=` holding it encrypted to gpg public keys (base64 of
//   gpg's binary output) and `cipherkeys=` their ids, comma-separated, sorted, each once. Only a
//   holder of one of the secret keys can use the remote; content is encrypted as for shared, so
//   adding a key (keyid+=) gives it everything already stored.
// - pubkey: a 256-byte MAC-only cipher, encrypted the same way, used only to name objects; content
//   is encrypted to `cipherkeys=` themselves, so keyid+= only affects content stored afterwards.
// - sharedpubkey: a 512-byte MAC-only cipher in clear (`cipher=`), content encrypted to `pubkeys=`:
//   anyone with the branch and the public keys can store, only the secret keys' holders can read.
// git-annex records no `encryption=` when initremote was given keyid= alone, and then reads a
// `cipher=` with `cipherkeys=` as hybrid (measured, git-annex 10.20230126); so does arbor.

import { ArborError, describeError } from '../../util/errors.js';
import { Cipher, CIPHER_RANDOM_BYTES, DEFAULT_MAC, decodeBase64Setting, MAC_ONLY_RANDOM_BYTES, parseMac } from './cipher.js';
import { gpgRandom, type GpgOptions } from './gpg.js';
import { gpgDecryptWithSecretKey, gpgEncryptToKeys, gpgFindPublicKeys } from './gpg-keys.js';
import { SpecialRemoteParameterError } from './special-config.js';

/** The encryption schemes arbor supports. */
export const SUPPORTED_ENCRYPTION = ['none', 'shared', 'hybrid', 'pubkey', 'sharedpubkey'] as const;
export type EncryptionScheme = (typeof SUPPORTED_ENCRYPTION)[number];

/** The schemes that use gpg keys (`keyid=` at initremote, `keyid+=`/`keyid-=` later). */
export type KeyedScheme = 'hybrid' | 'pubkey' | 'sharedpubkey';

/** Whether `scheme` is one arbor supports. */
export function isSupportedEncryption(scheme: string): scheme is EncryptionScheme {
  return (SUPPORTED_ENCRYPTION as readonly string[]).includes(scheme);
}

/** Whether `scheme` uses gpg keys. */
export function isKeyedScheme(scheme: string): scheme is KeyedScheme {
  return scheme === 'hybrid' || scheme === 'pubkey' || scheme === 'sharedpubkey';
}

/**
 * The scheme remote.log settings describe: `encryption=`, or when it is absent (a remote
 * git-annex made from `keyid=` alone, or one older than the field) hybrid if there are
 * `cipherkeys=`, sharedpubkey if there are `pubkeys=`, shared if there is only a `cipher=`, else
 * none. May be one arbor does not support.
 */
export function encryptionScheme(settings: ReadonlyMap<string, string>): string {
  const given = settings.get('encryption');
  if (given !== undefined && given !== '') return given;
  if (settings.has('cipher')) return settings.has('cipherkeys') ? 'hybrid' : settings.has('pubkeys') ? 'sharedpubkey' : 'shared';
  return 'none';
}

/** A cipher as remote.log holds it. */
export type StoredCipher =
  | { readonly scheme: 'shared'; readonly cipher: Cipher }
  | { readonly scheme: 'sharedpubkey'; readonly cipher: Cipher; readonly keyIds: readonly string[] }
  | { readonly scheme: 'hybrid' | 'pubkey'; readonly encrypted: Buffer; readonly keyIds: readonly string[]; readonly mac: string };

/** The remote.log field listing a scheme's gpg keys. */
function keysField(scheme: KeyedScheme): string {
  return scheme === 'sharedpubkey' ? 'pubkeys' : 'cipherkeys';
}

/** The stored cipher of remote.log settings; undefined for an unencrypted remote; a one-line error when the settings are unusable. */
export function readStoredCipher(settings: ReadonlyMap<string, string>): StoredCipher | undefined {
  const scheme = encryptionScheme(settings);
  if (!isSupportedEncryption(scheme)) throw new SpecialRemoteParameterError(`encryption=${scheme} is not supported by arbor yet`);
  if (scheme === 'none') return undefined;
  if (scheme === 'shared') return { scheme, cipher: Cipher.fromSharedSettings(settings) };
  const field = keysField(scheme);
  const keyIds = (settings.get(field) ?? '').split(',').filter((k) => k !== '');
  if (keyIds.length === 0) throw new SpecialRemoteParameterError(`encryption=${scheme} but remote.log has no ${field}=`);
  const bytes = decodeBase64Setting(settings.get('cipher'), 'cipher');
  const mac = parseMac(settings.get('mac'));
  if (scheme === 'sharedpubkey') return { scheme, cipher: new Cipher(bytes, { mac, macOnly: true }), keyIds };
  return { scheme, encrypted: bytes, keyIds, mac };
}

/** The cipher of a hybrid or pubkey remote could not be decrypted here: names the remote and the keys it is encrypted to. */
export class CipherLockedError extends ArborError {
  constructor(remote: string, keyIds: readonly string[], cause: unknown) {
    const keys = keyIds.length === 1 ? `gpg key ${keyIds[0] ?? ''}` : `any of the gpg keys ${keyIds.join(', ')}`;
    const why = describeError(cause);
    const message = /no secret key/i.test(why)
      ? `remote ${remote}: cannot decrypt its cipher: the secret key of ${keys} is not in this gpg keyring (${why})`
      : `remote ${remote}: cannot decrypt its cipher, encrypted to ${keys}: ${why}`;
    super('ECIPHERLOCKED', message, { cause, data: { remote, keyIds } });
    this.name = 'CipherLockedError';
  }
}

/** The cipher in clear: as stored for shared and sharedpubkey, decrypted with the user's secret key for hybrid and pubkey. */
export async function unlockCipher(stored: StoredCipher, o: { gpg: GpgOptions; remoteName: string }): Promise<Cipher> {
  if (stored.scheme === 'shared' || stored.scheme === 'sharedpubkey') return stored.cipher;
  let clear: Buffer;
  try {
    clear = await gpgDecryptWithSecretKey(o.gpg, stored.encrypted);
  } catch (err) {
    throw new CipherLockedError(o.remoteName, stored.keyIds, err);
  }
  try {
    return new Cipher(clear, { mac: stored.mac, macOnly: stored.scheme === 'pubkey' });
  } finally {
    clear.fill(0);
  }
}

/** The key ids `queries` (keyid= values) name in gpg's keyring, in order, each query giving every key it matches. */
export async function findKeyIds(gpg: GpgOptions, queries: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const q of queries) out.push(...(await gpgFindPublicKeys(gpg, q)));
  return out;
}

/** Sorted, each once: the order git-annex encrypts to and records cipherkeys= in. */
function normaliseKeyIds(keyIds: readonly string[]): string[] {
  return [...new Set(keyIds)].sort();
}

async function storeEncrypted(gpg: GpgOptions, cipher: Buffer, keyIds: readonly string[]): Promise<Map<string, string>> {
  const keys = normaliseKeyIds(keyIds);
  const encrypted = await gpgEncryptToKeys(gpg, { data: cipher, keyIds: keys });
  return new Map([
    ['cipher', encrypted.toString('base64')],
    ['cipherkeys', keys.join(',')],
  ]);
}

/**
 * A new cipher for initremote, as the remote.log settings that hold it (`cipher=`, and
 * `cipherkeys=` or `pubkeys=`). `keyIds` are resolved ids (findKeyIds); gpg makes the random bytes.
 * sharedpubkey's keys are recorded as found (git-annex neither sorts nor encrypts to them here).
 */
export async function makeStoredCipher(o: { scheme: 'shared' | KeyedScheme; keyIds: readonly string[]; mac: string | undefined; gpg: GpgOptions }): Promise<Map<string, string>> {
  if (o.scheme !== 'shared' && o.keyIds.length === 0) throw new SpecialRemoteParameterError(`encryption=${o.scheme} needs keyid= (a gpg key id, fingerprint or user id)`);
  const random = await gpgRandom(o.gpg, o.scheme === 'pubkey' ? MAC_ONLY_RANDOM_BYTES : CIPHER_RANDOM_BYTES);
  if (o.scheme === 'shared') return new Map([['cipher', new Cipher(random, { mac: o.mac ?? DEFAULT_MAC }).toSetting()]]);
  if (o.scheme === 'sharedpubkey') {
    return new Map([
      ['cipher', new Cipher(random, { mac: o.mac ?? DEFAULT_MAC, macOnly: true }).toSetting()],
      ['pubkeys', o.keyIds.join(',')],
    ]);
  }
  try {
    return await storeEncrypted(o.gpg, random, o.keyIds);
  } finally {
    random.fill(0);
  }
}

/**
 * enableremote's `keyid+=`/`keyid-=`: the key list becomes the added keys, then the recorded ones,
 * less one occurrence of each removed key (a removed key must be recorded; the last may not go),
 * and the cipher is decrypted and encrypted again to it. Returns the new `cipher=`/`cipherkeys=`.
 */
export async function rekeyStoredCipher(stored: StoredCipher, o: { add: readonly string[]; remove: readonly string[]; gpg: GpgOptions; remoteName: string }): Promise<Map<string, string>> {
  if (stored.scheme === 'shared') throw new SpecialRemoteParameterError(`${o.remoteName} uses encryption=shared: its cipher is not encrypted to gpg keys, so keyid+=/keyid-= do not apply`);
  for (const k of o.remove) {
    if (!stored.keyIds.includes(k)) throw new SpecialRemoteParameterError(`keyid-=: gpg key ${k} is not one of ${o.remoteName}'s keys (${stored.keyIds.join(', ')}); nothing to remove`);
  }
  const keys = [...o.add, ...stored.keyIds];
  for (const k of o.remove) {
    const at = keys.indexOf(k);
    if (at >= 0) keys.splice(at, 1);
  }
  if (keys.length === 0) throw new SpecialRemoteParameterError(`keyid-= would remove ${o.remoteName}'s last gpg key; add another with keyid+= first`);
  // sharedpubkey: the cipher is in clear; only the keys content is encrypted to change.
  if (stored.scheme === 'sharedpubkey') return new Map([['pubkeys', keys.join(',')]]);
  const cipher = await unlockCipher(stored, o);
  const clear = cipher.bytes();
  try {
    return await storeEncrypted(o.gpg, clear, keys);
  } finally {
    clear.fill(0);
  }
}
