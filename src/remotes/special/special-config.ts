// Which git config remotes are special remotes, and their settings: local git config plus remote.log.
//
// git-annex marks a special remote in .git/config by `remote.<name>.annex-uuid` and a key naming its
// kind (`annex-directory=<path>`, `annex-externaltype=<program>`, `annex-rsyncurl=<url>`), and no
// url. The rest of its settings live in the git-annex branch's remote.log, under its uuid.

import { parseDataSize } from '../../annex/data-units.js';
import { ArborError } from '../../util/errors.js';
import type { RemoteConfig } from '../remote.js';
import { specialKinds } from './special-kinds.js';

/** The names of remotes git config marks as special (no url, an annex-uuid and a kind's key). */
export function specialRemoteNames(byName: ReadonlyMap<string, ReadonlyMap<string, string>>): string[] {
  return [...byName].filter(([, s]) => !s.has('url') && s.has('annex-uuid') && specialKinds.some((k) => s.has(`annex-${k.gitConfigKey}`))).map(([n]) => n);
}

/**
 * RemoteConfigs for the special remotes among `byName` (git config settings by remote name, keys
 * lower-cased), with `remoteLog` (remote.log by uuid). A remote whose uuid remote.log does not know
 * yet (the branch not merged) still gets its kind from git config.
 */
export function specialRemoteConfigsFrom(
  byName: ReadonlyMap<string, ReadonlyMap<string, string>>,
  remoteLog: ReadonlyMap<string, ReadonlyMap<string, string>>,
  common: (name: string, settings: ReadonlyMap<string, string>) => Omit<RemoteConfig, 'name' | 'url' | 'special'>,
): RemoteConfig[] {
  const out: RemoteConfig[] = [];
  for (const name of specialRemoteNames(byName)) {
    const local = byName.get(name) ?? new Map<string, string>();
    const uuid = local.get('annex-uuid') ?? '';
    const kind = specialKinds.find((k) => local.has(`annex-${k.gitConfigKey}`));
    if (!kind) continue;
    const settings = new Map(remoteLog.get(uuid) ?? []);
    if (!settings.has('type')) settings.set('type', kind.typeName);
    for (const key of [kind.gitConfigKey, ...kind.localOnly]) {
      const v = local.get(`annex-${key}`);
      if (v !== undefined) settings.set(key, v);
    }
    const type = settings.get('type') ?? kind.typeName;
    const where = type === 'external' ? `external:${settings.get('externaltype') ?? ''}` : `${type}:${settings.get(kind.gitConfigKey) ?? ''}`;
    out.push({ ...common(name, local), name, url: where, special: { type, settings } });
  }
  return out;
}

/** A bad special remote parameter. */
export class SpecialRemoteParameterError extends ArborError {
  constructor(message: string) {
    super('ESPECIALPARAM', message);
  }
}

/** `chunk=` in bytes (git-annex's size syntax: 1MiB, 50MB, 1048576), or undefined when absent or 0. */
export function parseChunkSetting(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = parseDataSize(value);
  if (n === undefined || !Number.isSafeInteger(n) || n < 0) throw new SpecialRemoteParameterError(`chunk=${value} is not a size (try chunk=1MiB)`);
  return n === 0 ? undefined : n;
}
