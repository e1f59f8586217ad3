// The explicit list of remote types, and the remotes of a repository read from its git config.

import { networkLimitsFrom } from './network-limits.js';
import type { Annex } from '../annex/annex.js';
import type { Remote, RemoteConfig, RemoteDeps, RemoteType, SshCommand } from './remote.js';
import { UnknownRemoteError } from './remote.js';
import { localGitRemoteType } from './git-local.js';
import { sshRemoteType } from './ssh.js';
import { specialRemoteConfigsFrom, specialRemoteNames } from './special/special-config.js';
import { specialRemoteType } from './special/special-type.js';
import { specialRemoteConfigs } from '../annex/logs/remote.js';
import { ArborError } from '../util/errors.js';

/** Every remote type arbor knows, tried in order. */
export const remoteTypes: readonly RemoteType[] = [specialRemoteType, localGitRemoteType, sshRemoteType];

function truthy(v: string | undefined, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  return ['true', 'yes', 'on', '1'].includes(v.toLowerCase());
}

function optional<K extends string>(key: K, value: string | undefined): { [k in K]?: string } {
  return (value === undefined || value === '' ? {} : { [key]: value }) as { [k in K]?: string };
}

/**
 * How git would run ssh here: GIT_SSH_COMMAND, then core.sshCommand (`configured`), then GIT_SSH,
 * then `ssh` (git's own order, see git(1) and git-config(1)).
 */
export function sshCommandOf(configured: string | undefined, env: NodeJS.ProcessEnv = process.env): SshCommand {
  if (env.GIT_SSH_COMMAND) return { shellCommand: env.GIT_SSH_COMMAND };
  if (configured) return { shellCommand: configured };
  return { program: env.GIT_SSH || 'ssh' };
}

/** The remotes' configs and what opening them needs, from one read of git's config. */
async function readRemoteSetup(annex: Annex): Promise<{ configs: RemoteConfig[]; deps: RemoteDeps }> {
  const entries = await annex.git.configGetRegexp('^(remote\\.|core\\.sshcommand$|arbor\\.network\\.|annex\\.sshcaching$|gpg\\.program$)');
  const sshCommand = entries.find(([k]) => k === 'core.sshcommand')?.[1];
  const gpgProgram = entries.find(([k]) => k === 'gpg.program')?.[1];
  const network = networkLimitsFrom((key) => entries.find(([k]) => k === key)?.[1]);
  const remoteEntries = entries.filter(([k]) => k.startsWith('remote.'));
  return {
    configs: [...remoteConfigsFrom(remoteEntries), ...(await specialConfigs(annex, remoteEntries))],
    deps: { localPath: annex.workTree ?? annex.git.repo.gitDir, clock: annex.deps.clock, localUuid: annex.uuid, ssh: sshCommandOf(sshCommand), network, annex, ...(gpgProgram ? { gpgProgram } : {}) },
  };
}

/** The special remotes' configs; remote.log is read only when git config names one. */
async function specialConfigs(annex: Annex, entries: ReadonlyArray<readonly [string, string]>): Promise<RemoteConfig[]> {
  const byName = settingsByName(entries);
  if (specialRemoteNames(byName).length === 0) return [];
  return specialRemoteConfigsFrom(byName, await specialRemoteConfigs(annex.branch), (_name, s) => commonSettings(s));
}

function settingsByName(entries: ReadonlyArray<readonly [string, string]>): Map<string, Map<string, string>> {
  const byName = new Map<string, Map<string, string>>();
  for (const [k, v] of entries) {
    const m = /^remote\.(.+)\.([^.]+)$/.exec(k);
    if (!m?.[1] || !m[2]) continue;
    const settings = byName.get(m[1]) ?? new Map<string, string>();
    settings.set(m[2].toLowerCase(), v);
    byName.set(m[1], settings);
  }
  return byName;
}

/** The annex-* settings every remote kind shares. */
function commonSettings(s: ReadonlyMap<string, string>): Omit<RemoteConfig, 'name' | 'url' | 'special'> {
  const cost = s.get('annex-cost');
  const uuid = s.get('annex-uuid');
  return {
    ...(uuid ? { uuid } : {}),
    ...(cost !== undefined && Number.isFinite(Number(cost)) ? { cost: Number(cost) } : {}),
    ignore: truthy(s.get('annex-ignore'), false),
    sync: truthy(s.get('annex-sync'), true),
    ...optional('sshOptions', s.get('annex-ssh-options')),
    ...optional('annexShell', s.get('annex-shell')),
    ...optional('gnupgOptions', s.get('annex-gnupg-options')),
    ...optional('gnupgDecryptOptions', s.get('annex-gnupg-decrypt-options')),
    ...(s.has('arbor-serve') ? { arborServe: truthy(s.get('arbor-serve'), false) } : {}),
    ...(truthy(s.get('arbor-drive'), false) ? { drive: true } : {}),
  };
}

/** Reads every git remote's config (remote.<name>.url and the annex-* settings). */
export async function readRemoteConfigs(annex: Annex): Promise<RemoteConfig[]> {
  return remoteConfigsFrom(await annex.git.configGetRegexp('^remote\\.'));
}

function remoteConfigsFrom(entries: ReadonlyArray<readonly [string, string]>): RemoteConfig[] {
  const out: RemoteConfig[] = [];
  for (const [name, s] of settingsByName(entries)) {
    const url = s.get('url');
    if (!url) continue;
    out.push({ name, url, ...commonSettings(s) });
  }
  return out;
}

/** Reads the special remotes' configs (git config marks them; settings merged with remote.log). */
export async function readSpecialRemoteConfigs(annex: Annex): Promise<RemoteConfig[]> {
  return specialConfigs(annex, await annex.git.configGetRegexp('^remote\\.'));
}

/** Opens every remote of a known type, cheapest first (ties by name). */
export async function openRemotes(annex: Annex): Promise<Remote[]> {
  const remotes: Remote[] = [];
  const { configs, deps } = await readRemoteSetup(annex);
  for (const config of configs) {
    const type = remoteTypes.find((t) => t.handles(config));
    if (!type) continue;
    remotes.push(await type.open(config, deps));
  }
  return remotes.sort((a, b) => a.cost - b.cost || a.name.localeCompare(b.name));
}

/** Opens one remote by name; unknown names and unsupported kinds are one-line errors. */
export async function openRemote(annex: Annex, name: string): Promise<Remote> {
  const { configs, deps } = await readRemoteSetup(annex);
  const config = configs.find((c) => c.name === name);
  if (!config) throw new UnknownRemoteError(name);
  const type = remoteTypes.find((t) => t.handles(config));
  if (!type) throw new ArborError('EREMOTETYPE', `remote ${name} (${config.url}) is not a kind arbor supports yet`);
  return type.open(config, deps);
}
