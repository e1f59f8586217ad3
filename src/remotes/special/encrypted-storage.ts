// Encryption (shared, hybrid, pubkey) around any kind's storage: objects are stored gpg-encrypted under HMAC key names (git-annex Remote/Helper/Encryptable.hs, Remote/Helper/Special.hs).
//
// It sits where git-annex puts encryption: below chunking, so each chunk is encrypted on its own
// and named by the HMAC of its chunk key, and above the kind, which only ever sees `GPGHMAC…`
// keys and ciphertext. The chunk log keeps the plain key, as git-annex's does. Encrypted and
// decrypted bytes pass through files in the annex's othertmp directory, removed afterwards.
// The cipher is obtained on the first use of a key, not when the remote is opened: for hybrid and
// pubkey that is a gpg run with the user's secret key, which whereis or info must not need. Its
// outcome is kept (one decryption, and at most one passphrase prompt, per command, as git-annex
// caches it); a failure is kept until close(), so a failing command does not retry it per file.

import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Key } from '../../annex/key.js';
import { ArborError, describeError } from '../../util/errors.js';
import type { Progress } from '../remote.js';
import type { ObjectCrypto } from './object-crypto.js';
import type { KeyStorage, SourceRange } from './key-storage.js';
import { copyRange } from './copy-range.js';

/** Content from an encrypted remote did not decrypt (wrong cipher, or the object was damaged there). */
export class DecryptionError extends ArborError {
  constructor(remote: string, cause: unknown) {
    super('EDECRYPT', `remote ${remote}: the encrypted object does not decrypt (${describeError(cause)}); it is damaged, or was not encrypted with this remote's cipher or to a key whose secret this gpg keyring holds`, { cause });
    this.name = 'DecryptionError';
  }
}

/** A KeyStorage whose objects are encrypted with the remote's cipher. */
export class EncryptedStorage implements KeyStorage {
  readonly #inner: KeyStorage;
  readonly #unlock: () => Promise<ObjectCrypto>;
  /** Invariant: set on the first key operation; a failure stays the answer for every key until close(). */
  #crypto: Promise<ObjectCrypto> | undefined;
  /** Invariant: true when #crypto is a rejected promise. */
  #failed = false;
  readonly #tmpDir: string;
  readonly #name: string;

  constructor(options: { inner: KeyStorage; crypto: () => Promise<ObjectCrypto>; tmpDir: string; remoteName: string }) {
    this.#inner = options.inner;
    this.#unlock = options.crypto;
    this.#tmpDir = options.tmpDir;
    this.#name = options.remoteName;
  }

  #objectCrypto(): Promise<ObjectCrypto> {
    this.#crypto ??= this.#unlock().catch((err: unknown) => {
      this.#failed = true;
      throw err;
    });
    return this.#crypto;
  }

  async #tmpFile(what: string): Promise<string> {
    await mkdir(this.#tmpDir, { recursive: true });
    return join(this.#tmpDir, `arbor-${what}-${randomBytes(6).toString('hex')}`);
  }

  prepare(): Promise<void> {
    return this.#inner.prepare();
  }

  async store(key: Key, source: SourceRange, progress?: Progress): Promise<void> {
    const crypto = await this.#objectCrypto();
    const whole = source.offset === 0 && source.length === (await stat(source.path)).size;
    const plain = whole ? source.path : await this.#tmpFile('chunk');
    const sealed = await this.#tmpFile('enc');
    try {
      if (!whole) await copyRange(source, plain, { exclusive: true });
      await crypto.encryptFile({ input: plain, output: sealed });
      const size = (await stat(sealed)).size;
      // Progress counts plaintext bytes (what the caller knows the size of).
      await this.#inner.store(crypto.encryptKey(key), { path: sealed, offset: 0, length: size }, progress ? (done) => progress(Math.min(source.length, Math.floor((done / Math.max(size, 1)) * source.length)), source.length) : undefined);
    } finally {
      await rm(sealed, { force: true });
      if (!whole) await rm(plain, { force: true });
    }
  }

  async retrieve(key: Key, dest: string, progress?: Progress): Promise<void> {
    const crypto = await this.#objectCrypto();
    const sealed = await this.#tmpFile('enc');
    try {
      await this.#inner.retrieve(crypto.encryptKey(key), sealed, progress ? (done) => progress(done, key.size) : undefined);
      try {
        await crypto.decryptFile({ input: sealed, output: dest });
      } catch (err) {
        await rm(dest, { force: true });
        throw new DecryptionError(this.#name, err);
      }
    } finally {
      await rm(sealed, { force: true });
    }
  }

  async checkPresent(key: Key): Promise<boolean> {
    return this.#inner.checkPresent((await this.#objectCrypto()).encryptKey(key));
  }

  async remove(key: Key): Promise<void> {
    await this.#inner.remove((await this.#objectCrypto()).encryptKey(key));
  }

  close(): Promise<void> {
    // A long-running caller (the assistant closes a remote after each batch) tries again next time:
    // the user may have imported the key or started an agent meanwhile.
    if (this.#failed) {
      this.#crypto = undefined;
      this.#failed = false;
    }
    return this.#inner.close();
  }
}

