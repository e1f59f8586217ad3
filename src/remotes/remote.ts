// The remote interface: what arbor needs from any place that can hold annexed content.

import type { NetworkLimits } from './network-limits.js';
import type { Annex } from '../annex/annex.js';
import type { Key } from '../annex/key.js';
import type { KeyIndex } from '../reconcile/key-index.js';
import type { KeySummary } from '../reconcile/summary.js';
import type { InventoryDifference } from './inventory.js';
import { ArborError } from '../util/errors.js';
import type { Clock } from '../util/clock.js';

/** Progress callback: bytes done so far of `total`. */
export type Progress = (done: number, total: number | undefined) => void;

/** Called with each chunk before it is written (rate limits, pausing); rejecting stops the transfer, leaving a resumable partial. */
export type Throttle = (chunk: Buffer) => Promise<void>;

/**
 * What a transfer may use to move only the difference from an earlier version of the file (delta
 * transfers, docs/design/delta.md). Remotes that cannot do deltas ignore it.
 */
export interface DeltaHints {
  /** Keys the same file had in earlier commits, newest first (basis candidates). */
  readonly earlierKeys: () => Promise<readonly Key[]>;
  /** Where this repository holds a key's content, when it does. */
  readonly localPath: (key: Key) => Promise<string | undefined>;
  /** Tells the user one line (a delta that fell back to a whole transfer). */
  readonly note: (message: string) => void;
}

/** What a retrieve tells beyond the object itself: that it was rebuilt from an earlier version, and how many bytes came from the remote. */
export interface RetrieveInfo {
  readonly delta?: { readonly bytes: number; readonly total: number };
}

/** Configuration of one git remote, as read from git config. */
export interface RemoteConfig {
  readonly name: string;
  readonly url: string;
  /** remote.<name>.annex-uuid, when recorded. */
  readonly uuid?: string;
  /** remote.<name>.annex-cost, when set. */
  readonly cost?: number;
  /** remote.<name>.annex-ignore: never used for content. */
  readonly ignore: boolean;
  /** remote.<name>.annex-sync=false: left out of sync. */
  readonly sync: boolean;
  /** remote.<name>.annex-ssh-options: extra ssh options, split on whitespace as git-annex does. */
  readonly sshOptions?: string;
  /** remote.<name>.annex-shell: the git-annex-shell to run on an ssh remote. */
  readonly annexShell?: string;
  /** remote.<name>.arbor-serve: whether the ssh host has `git arbor serve` (probed once, then remembered). */
  readonly arborServe?: boolean;
  /** remote.<name>.arbor-drive: a repository on a removable drive (`git arbor drive add`, or found on a plugged-in drive). */
  readonly drive?: boolean;
  /** remote.<name>.annex-gnupg-options: gpg options when encrypting content for it (split on whitespace, as git-annex does). */
  readonly gnupgOptions?: string;
  /** remote.<name>.annex-gnupg-decrypt-options: gpg options when decrypting content from it. */
  readonly gnupgDecryptOptions?: string;
  /** For a special remote (no git url): its type and settings, remote.log's merged with the local annex-* ones. */
  readonly special?: { readonly type: string; readonly settings: ReadonlyMap<string, string> };
}

/**
 * One remote repository. Content operations verify: a store or retrieve only succeeds when the
 * received bytes match the key. Optional capabilities are optional members (STYLE rule 9).
 */
export interface Remote {
  readonly name: string;
  /** The remote's annex UUID ('' when the remote is not an annex repository). */
  readonly uuid: string;
  readonly cost: number;
  readonly typeName: string;
  readonly config: RemoteConfig;
  /** Opens the remote (learning its UUID); throws RemoteUnavailableError when it cannot be reached. */
  connect(): Promise<string>;
  /** Whether content at the remote is present (checked on the remote itself, not the log). */
  checkPresent(key: Key): Promise<boolean>;
  /**
   * Re-hashes the remote's copy in place: true good, false corrupt (then moved aside there unless
   * `quarantine` is false), undefined absent.
   */
  verifyContent?(key: Key, options?: { quarantine?: boolean }): Promise<boolean | undefined>;
  /** Sends the content at `source` (verified local content of `key`) to the remote. */
  store(key: Key, source: string, progress?: Progress, throttle?: Throttle, delta?: DeltaHints): Promise<void>;
  /** Fetches the content into `dest` (resuming a partial file there); the caller verifies it. Says when it was rebuilt from a delta. */
  retrieve(key: Key, dest: string, progress?: Progress, throttle?: Throttle, delta?: DeltaHints): Promise<RetrieveInfo | void>;
  /** Removes the content from the remote (the caller has checked numcopies). */
  remove(key: Key): Promise<void>;
  /** Keeps the content from being dropped on the remote while `fn` runs (for safe drops). */
  lockContent?<T>(key: Key, fn: () => Promise<T>): Promise<T>;
  /**
   * How the remote's inventory differs from `expected` (the keys the location log says it holds):
   * by set reconciliation in bytes that grow with the difference (`git arbor serve`), or by a
   * listing of a store this process reads (a path, a drive). `known` names keys the caller already
   * knows (its git-annex branch), so the remote need not spell them out. Undefined when the remote
   * cannot (git-annex-shell, special remotes): the caller checks key by key instead.
   */
  inventoryDifference?(expected: KeySummary, known: KeyIndex): Promise<InventoryDifference | undefined>;
  /** Records in the remote's own git-annex branch that it has / lacks the key, when it has one. */
  recordPresence?(key: Key, present: boolean): Promise<void>;
  close(): Promise<void>;
}

/** A kind of remote: recognises its configs and opens them. */
export interface RemoteType {
  readonly typeName: string;
  handles(config: RemoteConfig): boolean;
  open(config: RemoteConfig, deps: RemoteDeps): Promise<Remote>;
}

/** What opening a remote needs. */
export interface RemoteDeps {
  /** The local repository's work tree or git dir, to resolve relative remote paths. */
  readonly localPath: string;
  readonly clock: Clock;
  /** This repository's annex uuid (peers are told who is talking). */
  readonly localUuid?: string;
  /** How to run ssh, as git chooses it: GIT_SSH_COMMAND, core.sshCommand, GIT_SSH, else `ssh`. */
  readonly ssh?: SshCommand;
  /** Time-outs for network conversations (arbor.network.*); none when absent. */
  readonly network?: NetworkLimits;
  /** The local repository (special remotes keep chunk logs in its git-annex branch). */
  readonly annex?: Annex;
  /** git config gpg.program: the gpg to run (as git-annex runs it); `gpg` when unset. */
  readonly gpgProgram?: string;
}

/** An ssh command: a program run directly, or a shell command line that gets the arguments appended (as git runs GIT_SSH_COMMAND). */
export type SshCommand = { readonly program: string } | { readonly shellCommand: string };

/** The remote cannot be reached right now (path gone, drive unplugged, host down). */
export class RemoteUnavailableError extends ArborError {
  constructor(name: string, why: string) {
    super('EREMOTEUNAVAILABLE', `remote ${name} is not available: ${why}`, { data: { remote: name } });
  }
}

/** The host answers, but cannot serve annexed content: no git-annex-shell there (a plain git host). */
export class NoAnnexServiceError extends ArborError {
  constructor(name: string, why: string) {
    super('ENOANNEXSERVICE', `remote ${name} cannot hold annexed content: ${why}`, { data: { remote: name } });
  }
}

/** No remote of that name. */
export class UnknownRemoteError extends ArborError {
  constructor(name: string) {
    super('EUNKNOWNREMOTE', `there is no remote named ${name}`, { data: { remote: name } });
  }
}

/** Transferred bytes did not match the key. */
export class VerificationError extends ArborError {
  constructor(key: string, remote: string) {
    super('EVERIFY', `content of ${key} from ${remote} failed verification and was discarded`, { data: { key, remote } });
  }
}
