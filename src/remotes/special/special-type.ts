// The RemoteType that opens every special remote: picks the kind's storage and wraps it in SpecialRemote.

import { ArborError, describeError } from '../../util/errors.js';
import type { RemoteConfig, RemoteType } from '../remote.js';
import { RemoteUnavailableError } from '../remote.js';
import type { KeyStorage } from './key-storage.js';
import { join } from 'node:path';
import { EncryptedStorage } from './encrypted-storage.js';
import { objectCrypto, type ObjectCrypto } from './object-crypto.js';
import { gpgOptionWords, type GpgOptions } from './gpg.js';
import { encryptionScheme, readStoredCipher, unlockCipher, type StoredCipher } from './stored-cipher.js';
import { parseChunkSetting } from './special-config.js';
import { ENCRYPTED_REMOTE_COST_ADJUSTMENT, EXPENSIVE_REMOTE_COST, specialKinds } from './special-kinds.js';
import { SpecialRemote } from './special-remote.js';

/**
 * A special remote's cost, as git-annex picks it: remote.<name>.annex-cost, else `cost=` in
 * remote.log, else the kind's default (git-annex's cheapRemoteCost for a directory, 100, like a
 * local repository; an external program is expensive, 200, unless it answers GETCOST, which arbor does
 * not ask yet), plus 50 when it is encrypted. A kind arbor does not know counts as expensive.
 */
export function specialRemoteCost(config: RemoteConfig): number {
  if (config.cost !== undefined) return config.cost;
  const settings = config.special?.settings;
  const logCost = Number(settings?.get('cost'));
  if (settings?.has('cost') && Number.isFinite(logCost)) return logCost;
  const encrypted = settings !== undefined && encryptionScheme(settings) !== 'none';
  return (specialKinds.find((k) => k.typeName === config.special?.type)?.defaultCost ?? EXPENSIVE_REMOTE_COST) + (encrypted ? ENCRYPTED_REMOTE_COST_ADJUSTMENT : 0);
}

/** Special remotes (config.special set by special-config.ts). */
export const specialRemoteType: RemoteType = {
  typeName: 'special',
  handles: (config) => config.special !== undefined,
  open: async (config, deps) => {
    const special = config.special;
    if (!special || !deps.annex) throw new ArborError('EINTERNAL', `remote ${config.name}: not a special remote, or no local repository to use it from`);
    const uuid = config.uuid ?? '';
    const kind = specialKinds.find((k) => k.typeName === special.type);
    let problem: string | undefined;
    if (!kind) problem = `it is a special remote of type ${special.type}, which arbor does not support yet`;
    let chunkSize: number | undefined;
    let stored: StoredCipher | undefined;
    try {
      chunkSize = parseChunkSetting(special.settings.get('chunk'));
      stored = readStoredCipher(special.settings);
    } catch (err) {
      problem ??= describeError(err);
    }
    const annex = deps.annex;
    const storage = (): KeyStorage => {
      if (!kind || problem !== undefined) return new UnusableStorage(new RemoteUnavailableError(config.name, problem ?? ''));
      const plain = kind.storage({ name: config.name, uuid, settings: special.settings, annex });
      if (!stored) return plain;
      const cipher = stored;
      // Content is encrypted and decrypted with the user's gpg (gpg.program) and options, as git-annex does.
      const gpg: GpgOptions = {
        clock: deps.clock,
        ...(deps.gpgProgram ? { program: deps.gpgProgram } : {}),
        encryptOptions: gpgOptionWords(config.gnupgOptions),
        decryptOptions: gpgOptionWords(config.gnupgDecryptOptions),
      };
      // Decrypted on first use only (a hybrid or pubkey cipher needs the user's secret key).
      const crypto = async (): Promise<ObjectCrypto> => objectCrypto(await unlockCipher(cipher, { gpg, remoteName: config.name }), { gpg, keyIds: cipher.scheme === 'shared' ? [] : cipher.keyIds });
      return new EncryptedStorage({ inner: plain, crypto, tmpDir: join(annex.annexDir, 'othertmp'), remoteName: config.name });
    };
    return new SpecialRemote({
      config,
      uuid,
      typeName: special.type,
      cost: specialRemoteCost(config),
      ...(chunkSize !== undefined ? { chunkSize } : {}),
      // A remote arbor cannot use still appears (whereis, info); using it fails in one line.
      storage: storage(),
      annex: deps.annex,
    });
  },
};

/** Storage of a remote arbor cannot use (unknown kind, unsupported encryption): every use fails with the reason. */
class UnusableStorage implements KeyStorage {
  readonly #why: Error;
  constructor(why: Error) {
    this.#why = why;
  }
  prepare(): Promise<void> {
    return Promise.reject(this.#why);
  }
  store(): Promise<void> {
    return Promise.reject(this.#why);
  }
  retrieve(): Promise<void> {
    return Promise.reject(this.#why);
  }
  checkPresent(): Promise<boolean> {
    return Promise.reject(this.#why);
  }
  remove(): Promise<void> {
    return Promise.reject(this.#why);
  }
  async close(): Promise<void> {}
}
