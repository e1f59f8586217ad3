// How one object of an encrypted special remote is named and encrypted, given its cipher in clear (git-annex Crypto.hs: encryptKey, encrypt, decrypt).
//
// A full cipher (shared, hybrid) names objects with the HMAC of its first 256 bytes and encrypts
// them symmetrically with the rest as passphrase; a MAC-only cipher (pubkey) names them with the
// HMAC of all its bytes and encrypts them to the remote's gpg keys (`cipherkeys=`, in the order
// recorded), so decrypting them needs one of the secret keys.

import type { Key } from '../../annex/key.js';
import type { Progress } from '../remote.js';
import type { Cipher } from './cipher.js';
import { gpgDecryptFile, gpgEncryptFile, type GpgOptions } from './gpg.js';
import { gpgDecryptFileWithSecretKey, gpgEncryptFileToKeys } from './gpg-keys.js';

/** One file to encrypt or decrypt into a new file. */
export interface CryptoFiles {
  readonly input: string;
  readonly output: string;
  readonly progress?: Progress;
}

/** Naming and sealing objects for one encrypted remote. */
export interface ObjectCrypto {
  /** The key the object is stored under (`GPG<mac>--<hex>`). */
  encryptKey(key: Key): Key;
  encryptFile(f: CryptoFiles): Promise<void>;
  /** Fails with GpgError when the input is damaged or not made for this remote. */
  decryptFile(f: CryptoFiles): Promise<void>;
}

/** The ObjectCrypto of `cipher`; `keyIds` are the gpg keys a MAC-only cipher's content is encrypted to. */
export function objectCrypto(cipher: Cipher, o: { gpg: GpgOptions; keyIds: readonly string[] }): ObjectCrypto {
  if (cipher.macOnly) {
    return {
      encryptKey: (key) => cipher.encryptKey(key),
      encryptFile: (f) => gpgEncryptFileToKeys(o.gpg, { ...f, keyIds: o.keyIds }),
      decryptFile: (f) => gpgDecryptFileWithSecretKey(o.gpg, f),
    };
  }
  return {
    encryptKey: (key) => cipher.encryptKey(key),
    encryptFile: (f) => gpgEncryptFile(o.gpg, { ...f, passphrase: cipher.passphrase() }),
    decryptFile: (f) => gpgDecryptFile(o.gpg, { ...f, passphrase: cipher.passphrase() }),
  };
}
