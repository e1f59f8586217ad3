// What a special remote's storage does with one key (or one chunk key): the layer below chunking (git-annex Remote/Helper/Special.hs).

import type { Key } from '../../annex/key.js';
import type { Progress } from '../remote.js';

/** A byte range of a local file to store: a whole object, or one chunk of it. */
export interface SourceRange {
  readonly path: string;
  readonly offset: number;
  readonly length: number;
}

/**
 * Storage of whole keys on a special remote, one object per key. Chunking, verification and the
 * git-annex branch bookkeeping sit above it (special-remote.ts), so each kind only moves bytes.
 */
export interface KeyStorage {
  /** Checks that the storage can be used now (the folder is there, the program starts); throws RemoteUnavailableError. */
  prepare(): Promise<void>;
  /** Stores the bytes under `key`; the object appears only once complete. */
  store(key: Key, source: SourceRange, progress?: Progress): Promise<void>;
  /** Writes the object of `key` to `dest` (a new file); throws ENOTPRESENT when it is not there. */
  retrieve(key: Key, dest: string, progress?: Progress): Promise<void>;
  /** Whether the object of `key` is there. */
  checkPresent(key: Key): Promise<boolean>;
  /** Removes the object of `key` (no error when it is already gone). */
  remove(key: Key): Promise<void>;
  /** Ends what prepare started (a running program). */
  close(): Promise<void>;
}
