// The shared cipher of an `encryption=shared` special remote and the encrypted key names it gives (git-annex doc/design/encryption.mdwn).
//
// git-annex keeps the cipher in remote.log as `cipher=<base64>`; decoded, it is the text gpg's
// `--gen-random --armor` printed (684 base64 characters and a newline for 512 random bytes). The
// first 256 bytes key an HMAC that names every object on the storage, so the storage never sees a
// key (and so no file name, size or hash); the rest is the passphrase of the symmetric gpg
// encryption of each object. Both parts are used as bytes, exactly as decoded.

import { createHmac } from 'node:crypto';
import { inspect } from 'node:util';
import type { Key } from '../../annex/key.js';
import { formatKey } from '../../annex/key.js';
import { SpecialRemoteParameterError } from './special-config.js';

/** Where the HMAC part of the cipher ends and the passphrase begins (git-annex's cipherBeginning). */
const MAC_PART_BYTES = 256;

/** Random bytes gpg is asked for when a cipher is made (git-annex's cipherSize). */
export const CIPHER_RANDOM_BYTES = 512;

/** The `mac=` values git-annex knows, with node's name for the hash; HMACSHA1 when `mac=` is absent. */
const MACS: ReadonlyMap<string, string> = new Map([
  ['HMACSHA1', 'sha1'],
  ['HMACSHA224', 'sha224'],
  ['HMACSHA256', 'sha256'],
  ['HMACSHA384', 'sha384'],
  ['HMACSHA512', 'sha512'],
]);

/** The MAC used when remote.log has no `mac=` (git-annex's default). */
export const DEFAULT_MAC = 'HMACSHA1';

/** Checks a `mac=` value; returns it, or DEFAULT_MAC when absent. */
export function parseMac(value: string | undefined): string {
  if (value === undefined || value === '') return DEFAULT_MAC;
  if (!MACS.has(value)) throw new SpecialRemoteParameterError(`unknown mac=${value} (one of: ${[...MACS.keys()].join(', ')})`);
  return value;
}

/**
 * A shared cipher. It is a secret for anyone without access to the git-annex branch: it prints as
 * `[cipher]` (String(), JSON, util.inspect), so it cannot leak into a log line by accident.
 */
export class SharedCipher {
  /** Invariant: longer than MAC_PART_BYTES (a shorter one has no passphrase). */
  readonly #bytes: Buffer;
  readonly #mac: string;

  constructor(bytes: Buffer, mac: string) {
    if (bytes.length <= MAC_PART_BYTES) throw new SpecialRemoteParameterError('cipher= is too short to be a git-annex cipher');
    this.#bytes = Buffer.from(bytes);
    this.#mac = parseMac(mac);
  }

  /** The cipher of remote.log's `cipher=` (base64) and `mac=`. */
  static fromSettings(settings: ReadonlyMap<string, string>): SharedCipher {
    const text = settings.get('cipher');
    if (text === undefined || text === '') throw new SpecialRemoteParameterError('encryption=shared but remote.log has no cipher=');
    if (!/^[A-Za-z0-9+/]+=*$/.test(text)) throw new SpecialRemoteParameterError('cipher= is not base64');
    return new SharedCipher(Buffer.from(text, 'base64'), settings.get('mac') ?? DEFAULT_MAC);
  }

  /** The `mac=` in use. */
  get mac(): string {
    return this.#mac;
  }

  /** `cipher=` as remote.log stores it. */
  toSetting(): string {
    return this.#bytes.toString('base64');
  }

  /** The passphrase of the symmetric gpg encryption (the bytes after the HMAC part). */
  passphrase(): Buffer {
    return this.#bytes.subarray(MAC_PART_BYTES);
  }

  /**
   * The key an object is stored under: backend `GPG<mac>` and, as name, the hex HMAC of the
   * serialized key (a chunk key keeps its -S/-C fields inside, so each chunk gets its own name).
   */
  encryptKey(key: Key): Key {
    const algorithm = MACS.get(this.#mac) ?? 'sha1';
    const name = createHmac(algorithm, this.#bytes.subarray(0, MAC_PART_BYTES)).update(formatKey(key), 'utf8').digest('hex');
    return { backend: `GPG${this.#mac}`, name };
  }

  toString(): string {
    return '[cipher]';
  }

  toJSON(): string {
    return '[cipher]';
  }

  [inspect.custom](): string {
    return '[cipher]';
  }
}
