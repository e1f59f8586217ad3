// The explicit list of special remote kinds arbor knows, with what each needs (git-annex Remote/List.hs).

import type { Annex } from '../../annex/annex.js';
import type { KeyStorage } from './key-storage.js';
import { DirectoryStorage } from './directory-storage.js';
import { ExternalStorage } from './external-storage.js';
import { RsyncStorage } from './rsync-storage.js';
import { readNetworkLimits, sshTimeoutOptions } from '../network-limits.js';
import { join } from 'node:path';

/** git-annex's default costs (Config/Cost.hs). */
export const CHEAP_REMOTE_COST = 100;
export const EXPENSIVE_REMOTE_COST = 200;
/** Added to the default cost of an encrypted remote (git-annex's encryptedRemoteCostAdj). */
export const ENCRYPTED_REMOTE_COST_ADJUSTMENT = 50;

/** What building a kind's storage gets. */
export interface StorageContext {
  readonly name: string;
  readonly uuid: string;
  /** remote.log's settings merged with the local git config ones (directory=, externaltype=, …). */
  readonly settings: ReadonlyMap<string, string>;
  readonly annex: Annex;
}

/** One kind of special remote. */
export interface SpecialKind {
  /** `type=` in remote.log. */
  readonly typeName: string;
  /** The local git config key `remote.<name>.annex-<gitConfigKey>` that marks a remote of this kind. */
  readonly gitConfigKey: string;
  /** Parameters initremote requires (besides type= and encryption=). */
  readonly required: readonly string[];
  /** Parameters kept in local git config only, never in remote.log (they differ per copy). */
  readonly localOnly: readonly string[];
  /** Further parameters the kind accepts (with closedParameters). */
  readonly optional?: readonly string[];
  /** Whether parameters other than the common and required ones are refused (false: the kind's program decides). */
  readonly closedParameters: boolean;
  readonly defaultCost: number;
  storage(ctx: StorageContext): KeyStorage;
  /** One-time setup run by initremote and enableremote before anything is written; may add settings. */
  setup?(ctx: StorageContext & { readonly settings: Map<string, string> }): Promise<void>;
}

/** `type=directory`: a folder on any mounted storage (Remote/Directory.hs). */
export const directoryKind: SpecialKind = {
  typeName: 'directory',
  gitConfigKey: 'directory',
  required: ['directory'],
  localOnly: ['directory'],
  closedParameters: true,
  defaultCost: CHEAP_REMOTE_COST,
  storage: (ctx) => new DirectoryStorage({ dir: ctx.settings.get('directory') ?? '', remoteName: ctx.name }),
};

/** `type=external`: a `git-annex-remote-<externaltype>` program (rclone, …) spoken to in git-annex's protocol. */
export const externalKind: SpecialKind = {
  typeName: 'external',
  gitConfigKey: 'externaltype',
  required: ['externaltype'],
  localOnly: [],
  closedParameters: false,
  defaultCost: EXPENSIVE_REMOTE_COST,
  storage: (ctx) => new ExternalStorage({ name: ctx.name, uuid: ctx.uuid, settings: new Map(ctx.settings), annex: ctx.annex }),
  setup: async (ctx) => {
    const storage = new ExternalStorage({ name: ctx.name, uuid: ctx.uuid, settings: ctx.settings, annex: ctx.annex });
    try {
      await storage.initRemote();
    } finally {
      await storage.close();
    }
  },
};

/**
 * `type=rsync`: a place rsync reaches, `host:/path` over ssh or a local path (Remote/Rsync.hs).
 * rsyncurl is kept in remote.log and in git config (where a copy may override it); the transport
 * and rsync options come from git config, as git-annex reads them.
 */
export const rsyncKind: SpecialKind = {
  typeName: 'rsync',
  gitConfigKey: 'rsyncurl',
  required: ['rsyncurl'],
  localOnly: [],
  optional: ['shellescape'],
  closedParameters: true,
  defaultCost: EXPENSIVE_REMOTE_COST,
  storage: (ctx) =>
    new RsyncStorage({
      remoteName: ctx.name,
      scratchDir: join(ctx.annex.annexDir, 'tmp'),
      settings: async () => {
        const git = ctx.annex.git;
        const get = async (k: string): Promise<string | undefined> => (await git.configGet(`remote.${ctx.name}.annex-${k}`)) ?? undefined;
        const [transport, sshOptions, options, uploadOptions, downloadOptions, limits] = await Promise.all([get('rsync-transport'), get('ssh-options'), get('rsync-options'), get('rsync-upload-options'), get('rsync-download-options'), readNetworkLimits(git)]);
        return {
          url: ctx.settings.get('rsyncurl') ?? '',
          ...(transport !== undefined ? { transport } : {}),
          ...(sshOptions !== undefined ? { sshOptions } : {}),
          ...(options !== undefined ? { options } : {}),
          ...(uploadOptions !== undefined ? { uploadOptions } : {}),
          ...(downloadOptions !== undefined ? { downloadOptions } : {}),
          timeoutOptions: sshTimeoutOptions(limits),
          stallSeconds: limits.stallMs / 1000,
        };
      },
    }),
};

/** Every special remote kind, by type name. */
export const specialKinds: readonly SpecialKind[] = [directoryKind, externalKind, rsyncKind];

/** Parameters every kind takes (git-annex's common ones arbor honours). */
export const COMMON_PARAMETERS = ['type', 'encryption', 'chunk', 'name', 'autoenable', 'cost', 'preferreddir', 'embedcreds', 'mac', 'cipher', 'cipherkeys', 'pubkeys', 'keyid', 'keyid+', 'keyid-'] as const;
