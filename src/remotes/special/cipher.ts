// A special remote's cipher, in clear, and the encrypted key names it gives (git-annex doc/design/encryption.mdwn).
//
// The cipher is the text gpg's `--gen-random --armor` printed (684 base64 characters and a newline
// for 512 random bytes). encryption=shared keeps it in remote.log as `cipher=<base64 of it>`;
// hybrid and pubkey keep it there encrypted to gpg keys (stored-cipher.ts). A full cipher (shared,
// hybrid): the first 256 bytes key an HMAC that names every object on the storage, so the storage
// never sees a key (and so no file name, size or hash); the rest is the passphrase of the
// symmetric gpg encryption of each object. A MAC-only cipher (pubkey: 256 random bytes, so 344
// characters and a newline) keys the HMAC with all of its bytes, and objects are encrypted to the
// public keys instead. The bytes are used exactly as decoded, newline included.

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

/** Random bytes of a MAC-only cipher (pubkey: git-annex makes it cipherBeginning long). */
export const MAC_ONLY_RANDOM_BYTES = MAC_PART_BYTES;

/** Checks that `text` is base64 as remote.log holds it, and decodes it; `what` names the field. */
export function decodeBase64Setting(text: string | undefined, what: string): Buffer {
  if (text === undefined || text === '') throw new SpecialRemoteParameterError(`remote.log has no ${what}=`);
  if (!/^[A-Za-z0-9+/]+=*$/.test(text)) throw new SpecialRemoteParameterError(`${what}= is not base64`);
  return Buffer.from(text, 'base64');
}

/**
 * A cipher in clear. Anyone holding it can read the remote's content: it prints as `[cipher]`
 * (String(), JSON, util.inspect), so it cannot leak into a log line by accident.
 */
export class Cipher {
  /** Invariant: longer than MAC_PART_BYTES when !#macOnly (a shorter one has no passphrase); never empty. */
  readonly #bytes: Buffer;
  readonly #mac: string;
  readonly #macOnly: boolean;

  constructor(bytes: Buffer, options: { mac: string; macOnly?: boolean }) {
    this.#macOnly = options.macOnly ?? false;
    if (bytes.length === 0 || (!this.#macOnly && bytes.length <= MAC_PART_BYTES)) throw new SpecialRemoteParameterError('the cipher is too short to be a git-annex cipher');
    this.#bytes = Buffer.from(bytes);
    this.#mac = parseMac(options.mac);
  }

  /** The cipher of an encryption=shared remote: remote.log's `cipher=` (base64, in clear) and `mac=`. */
  static fromSharedSettings(settings: ReadonlyMap<string, string>): Cipher {
    return new Cipher(decodeBase64Setting(settings.get('cipher'), 'cipher'), { mac: settings.get('mac') ?? DEFAULT_MAC });
  }

  /** The `mac=` in use. */
  get mac(): string {
    return this.#mac;
  }

  /** Whether it only names objects (pubkey), their content being encrypted to public keys. */
  get macOnly(): boolean {
    return this.#macOnly;
  }

  /** The cipher's bytes (what is stored in clear for shared, or encrypted for hybrid and pubkey). */
  bytes(): Buffer {
    return Buffer.from(this.#bytes);
  }

  /** `cipher=` of an encryption=shared remote, as remote.log stores it. */
  toSetting(): string {
    return this.#bytes.toString('base64');
  }

  /** The passphrase of the symmetric gpg encryption (the bytes after the HMAC part); a MAC-only cipher has none. */
  passphrase(): Buffer {
    if (this.#macOnly) throw new SpecialRemoteParameterError('a MAC-only cipher (encryption=pubkey) has no passphrase');
    return this.#bytes.subarray(MAC_PART_BYTES);
  }

  /**
   * The key an object is stored under: backend `GPG<mac>` and, as name, the hex HMAC of the
   * serialized key (a chunk key keeps its -S/-C fields inside, so each chunk gets its own name).
   */
  encryptKey(key: Key): Key {
    const algorithm = MACS.get(this.#mac) ?? 'sha1';
    const name = createHmac(algorithm, this.#macOnly ? this.#bytes : this.#bytes.subarray(0, MAC_PART_BYTES)).update(formatKey(key), 'utf8').digest('hex');
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
