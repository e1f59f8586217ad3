// The encryption parameters of initremote and enableremote: which are accepted, and the cipher settings they lead to (git-annex doc/encryption.mdwn).
//
// `encryption=` is required (`keyid=` alone means hybrid); `cipher=` and `cipherkeys=` are made,
// never given; `mac=` needs encryption; `keyid=` (initremote) and `keyid+=`/`keyid-=`
// (enableremote) only apply where the cipher is encrypted to gpg keys. Where git-annex silently
// ignores a key parameter, arbor refuses it in one line (docs/design/special-remotes.md says which).

import { parseMac } from './cipher.js';
import type { GpgOptions } from './gpg.js';
import { SpecialRemoteParameterError } from './special-config.js';
import { findKeyIds, isKeyedScheme, isSupportedEncryption, makeStoredCipher, rekeyStoredCipher, SUPPORTED_ENCRYPTION, type EncryptionScheme, type StoredCipher } from './stored-cipher.js';

/** The parameters that name gpg keys; they choose the keys and are never recorded themselves. */
export const KEY_PARAMETERS = ['keyid', 'keyid+', 'keyid-'] as const;

/**
 * The encryption= of an initremote (required, as git-annex requires it, except that `keyid=`
 * alone means hybrid, as in git-annex). arbor records it even then: an older arbor reading a
 * remote.log without it would take the remote for an unencrypted one.
 */
export function checkEncryption(params: ReadonlyMap<string, string>): EncryptionScheme {
  const value = params.get('encryption') ?? (params.has('keyid') ? 'hybrid' : undefined);
  const supported = SUPPORTED_ENCRYPTION.map((e) => `encryption=${e}`).join(', ');
  if (value === undefined) throw new SpecialRemoteParameterError(`missing encryption= (arbor supports ${supported})`);
  if (!isSupportedEncryption(value)) {
    throw new SpecialRemoteParameterError(`unknown encryption=${value} (arbor supports ${supported})`);
  }
  return value;
}

/** Checks the encryption settings the user gave: the cipher is never given, only made; `mac=` only with encryption; keys only where the cipher is encrypted to them. */
export function checkEncryptionParameters(params: ReadonlyMap<string, string>, encryption: string, when: 'initremote' | 'enableremote'): void {
  for (const made of ['cipher', 'cipherkeys', 'pubkeys']) if (params.has(made)) throw new SpecialRemoteParameterError(`${made}= is made by initremote, not given`);
  if (params.has('mac')) {
    if (encryption === 'none') throw new SpecialRemoteParameterError('mac= needs encryption (it names encrypted objects)');
    parseMac(params.get('mac'));
  }
  const keyParams = KEY_PARAMETERS.filter((k) => params.has(k));
  for (const k of keyParams) if (params.get(k) === '') throw new SpecialRemoteParameterError(`${k}= needs a gpg key id, fingerprint or user id`);
  if (keyParams.length > 0 && !isKeyedScheme(encryption)) {
    throw new SpecialRemoteParameterError(`${keyParams.map((k) => `${k}=`).join(' ')} only applies to encryption=hybrid, pubkey or sharedpubkey (this remote is encryption=${encryption})`);
  }
  if (when === 'initremote') {
    if (isKeyedScheme(encryption) && !params.has('keyid')) throw new SpecialRemoteParameterError(`encryption=${encryption} needs keyid= (a gpg key id, fingerprint or user id)`);
    if (params.has('keyid-')) throw new SpecialRemoteParameterError('keyid-= removes a key from an existing remote (git arbor enableremote NAME keyid-=…); a new remote has none to remove');
  } else if (params.has('keyid')) {
    throw new SpecialRemoteParameterError('keyid= is set by initremote; to change the keys use keyid+= (add) or keyid-= (remove)');
  }
}

/**
 * The cipher settings of a new remote (`cipher=`, and `cipherkeys=` for hybrid and pubkey); none
 * for encryption=none. `keyid+=` at initremote adds keys, as git-annex's documentation shows it
 * used (git-annex 10.20230126 itself ignores it next to `keyid=`).
 */
export async function newCipherSettings(params: ReadonlyMap<string, string>, o: { encryption: EncryptionScheme; gpg: GpgOptions }): Promise<Map<string, string>> {
  if (o.encryption === 'none') return new Map();
  const queries = [params.get('keyid'), params.get('keyid+')].filter((q): q is string => q !== undefined);
  const keyIds = isKeyedScheme(o.encryption) ? await findKeyIds(o.gpg, queries) : [];
  return makeStoredCipher({ scheme: o.encryption, keyIds, mac: params.get('mac'), gpg: o.gpg });
}

/** The cipher settings after enableremote's `keyid+=`/`keyid-=` (none when neither is given). */
export async function changedCipherSettings(params: ReadonlyMap<string, string>, o: { stored: StoredCipher; gpg: GpgOptions; remoteName: string }): Promise<Map<string, string>> {
  const add = params.get('keyid+');
  const remove = params.get('keyid-');
  if (add === undefined && remove === undefined) return new Map();
  return rekeyStoredCipher(o.stored, {
    add: add === undefined ? [] : await findKeyIds(o.gpg, [add]),
    remove: remove === undefined ? [] : await findKeyIds(o.gpg, [remove]),
    gpg: o.gpg,
    remoteName: o.remoteName,
  });
}
