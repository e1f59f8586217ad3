// initremote and enableremote: recording a special remote in git-annex's formats (Command/InitRemote.hs, Command/EnableRemote.hs).
//
// initremote gives the remote a new uuid, writes its settings to remote.log and its name to
// uuid.log in the git-annex branch, and marks it in local git config (`remote.<name>.annex-uuid`,
// the kind's key such as `annex-directory`, `skipFetchAll`). Settings that differ per copy
// (`directory=`) stay in git config only, so every other copy runs `enableremote NAME directory=…`.
// Every parameter is checked before anything is written. With encryption, initremote makes the
// cipher (gpg random bytes) and records it as `cipher=` (doc/design/encryption.mdwn): in clear for
// shared (anyone who can read the git-annex branch can decrypt the remote's content), encrypted to
// the gpg keys `keyid=` names for hybrid and pubkey (stored-cipher.ts); enableremote's
// `keyid+=`/`keyid-=` encrypt it again to a changed list of keys.

import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { Annex } from '../../annex/annex.js';
import { recordSpecialRemoteConfig, specialRemoteConfigs } from '../../annex/logs/remote.js';
import { describeRepository } from '../../annex/logs/uuid.js';
import { COMMON_PARAMETERS, specialKinds, type SpecialKind } from './special-kinds.js';
import { parseChunkSetting, SpecialRemoteParameterError } from './special-config.js';
import { readStoredCipher } from './stored-cipher.js';
import { changedCipherSettings, checkEncryption, checkEncryptionParameters, KEY_PARAMETERS, newCipherSettings } from './encryption-parameters.js';
import type { GpgOptions } from './gpg.js';

/** Parses `key=value` words; a word without `=` or a repeated key is refused. */
export function parseParameters(words: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const w of words) {
    const eq = w.indexOf('=');
    if (eq <= 0) throw new SpecialRemoteParameterError(`expected key=value, not ${w}`);
    const k = w.slice(0, eq);
    if (/\s/.test(k)) throw new SpecialRemoteParameterError(`parameter name ${JSON.stringify(k)} may not contain spaces`);
    if (out.has(k)) throw new SpecialRemoteParameterError(`${k}= given twice`);
    out.set(k, w.slice(eq + 1));
  }
  return out;
}

/** The kind named by `type=`, or a one-line error listing the known ones. */
function kindOf(type: string | undefined): SpecialKind {
  if (type === undefined) throw new SpecialRemoteParameterError(`missing type= (one of: ${specialKinds.map((k) => k.typeName).join(', ')})`);
  const kind = specialKinds.find((k) => k.typeName === type);
  if (!kind) throw new SpecialRemoteParameterError(`unknown type=${type} (arbor supports: ${specialKinds.map((k) => k.typeName).join(', ')})`);
  return kind;
}

/** The settings as remote.log records them: without the kind's local-only ones and the key parameters. */
function recordedSettings(kind: SpecialKind, merged: ReadonlyMap<string, string>): Map<string, string> {
  const skip = new Set<string>([...kind.localOnly, ...KEY_PARAMETERS]);
  return new Map([...merged].filter(([k]) => !skip.has(k)));
}

/** Resolves and checks `directory=` (it must exist, as git-annex requires). */
async function checkDirectory(value: string, base: string): Promise<string> {
  const abs = isAbsolute(value) ? value : resolve(base, value);
  const isDir = await stat(abs).then((s) => s.isDirectory(), () => false);
  if (!isDir) throw new SpecialRemoteParameterError(`directory=${value}: ${abs} is not an existing directory`);
  return abs;
}

/** Checks the per-kind parameters and resolves local ones; returns the local settings to write to git config. */
async function checkKindParameters(kind: SpecialKind, params: ReadonlyMap<string, string>, base: string): Promise<Map<string, string>> {
  for (const r of kind.required) if (!params.get(r)) throw new SpecialRemoteParameterError(`type=${kind.typeName} needs ${r}=`);
  if (kind.closedParameters) {
    const allowed = new Set<string>([...COMMON_PARAMETERS, ...kind.required, ...kind.localOnly, ...(kind.optional ?? [])]);
    const unknown = [...params.keys()].filter((k) => !allowed.has(k));
    if (unknown.length > 0) throw new SpecialRemoteParameterError(`type=${kind.typeName} does not take ${unknown.map((k) => `${k}=`).join(' ')}`);
  }
  const local = new Map<string, string>();
  for (const k of kind.localOnly) {
    const v = params.get(k);
    if (v !== undefined) local.set(k, k === 'directory' ? await checkDirectory(v, base) : v);
  }
  return local;
}

/** What initremote did. */
export interface InitRemoteResult {
  readonly uuid: string;
  readonly settings: ReadonlyMap<string, string>;
}

/** A remote name git config can hold and git-annex accepts. */
function checkName(name: string): void {
  if (name === '' || /[\s/\\:]/.test(name) || name.startsWith('-')) throw new SpecialRemoteParameterError(`${JSON.stringify(name)} is not a usable remote name`);
}

/** `git arbor initremote NAME type=… [params]`: validates everything, then records the remote. */
export async function initRemote(annex: Annex, options: { name: string; params: ReadonlyMap<string, string>; base: string }): Promise<InitRemoteResult> {
  const { name, params } = options;
  checkName(name);
  const kind = kindOf(params.get('type'));
  const encryption = checkEncryption(params);
  checkEncryptionParameters(params, encryption, 'initremote');
  parseChunkSetting(params.get('chunk'));
  if (params.has('name') && params.get('name') !== name) throw new SpecialRemoteParameterError(`name=${params.get('name') ?? ''} differs from the remote name ${name}`);
  if ((await annex.git.configGetRegexp(`^remote\\.${escapeRegex(name)}\\.`)).length > 0) throw new SpecialRemoteParameterError(`there is already a remote named ${name}`);
  const known = await specialRemoteConfigs(annex.branch);
  if ([...known.values()].some((c) => c.get('name') === name)) throw new SpecialRemoteParameterError(`a special remote named ${name} already exists in the git-annex branch; use git arbor enableremote ${name}`);
  const local = await checkKindParameters(kind, params, options.base);
  const cipher = await newCipherSettings(params, { encryption, gpg: await gpgFor(annex) });
  const uuid = randomUUID();
  const settings = recordedSettings(kind, params);
  settings.set('name', name);
  settings.set('encryption', encryption);
  for (const [k, v] of cipher) settings.set(k, v);
  await kind.setup?.({ name, uuid, settings, annex });
  // Everything checked (the kind's own setup too): now write.
  await recordSpecialRemoteConfig(annex.branch, { uuid, config: settings, now: annex.now() });
  await describeRepository(annex.branch, { uuid, description: name, now: annex.now() });
  await writeGitConfig(annex, { name, uuid, kind, local, type: params.get('type') ?? kind.typeName, params });
  await annex.branch.commit();
  return { uuid, settings };
}

/** gpg as the user configured it (git config gpg.program), for making and changing a cipher. */
async function gpgFor(annex: Annex): Promise<GpgOptions> {
  const program = await annex.git.configGet('gpg.program');
  return { clock: annex.deps.clock, ...(program ? { program } : {}) };
}

/** `git arbor enableremote NAME [params]`: sets up a special remote recorded in remote.log for this copy. */
export async function enableRemote(annex: Annex, options: { name: string; params: ReadonlyMap<string, string>; base: string }): Promise<InitRemoteResult> {
  const { name, params } = options;
  const known = await specialRemoteConfigs(annex.branch);
  const found = [...known].filter(([, c]) => c.get('name') === name);
  if (found.length === 0) throw new SpecialRemoteParameterError(`no special remote named ${name} in the git-annex branch (sync first, or see git arbor initremote)`);
  const [uuid, logged] = found[found.length - 1] as [string, Map<string, string>];
  const kind = kindOf(logged.get('type'));
  const stored = readStoredCipher(logged);
  const encryption = stored?.scheme ?? 'none';
  for (const fixed of ['cipher', 'cipherkeys', 'pubkeys', 'mac']) if (params.has(fixed)) throw new SpecialRemoteParameterError(`${name}'s ${fixed} cannot change${fixed === 'cipherkeys' || fixed === 'pubkeys' ? ' by hand (use keyid+= or keyid-=)' : ''}`);
  if (params.has('type') && params.get('type') !== logged.get('type')) throw new SpecialRemoteParameterError(`${name} is of type=${logged.get('type') ?? '?'}; type cannot change`);
  if (params.has('encryption') && params.get('encryption') !== encryption) throw new SpecialRemoteParameterError(`${name} uses encryption=${encryption}; encryption cannot change`);
  checkEncryptionParameters(params, encryption, 'enableremote');
  parseChunkSetting(params.get('chunk'));
  const merged = new Map([...logged, ...params]);
  const local = await checkKindParameters(kind, merged, options.base);
  const settings = recordedSettings(kind, merged);
  if (stored) for (const [k, v] of await changedCipherSettings(params, { stored, gpg: await gpgFor(annex), remoteName: name })) settings.set(k, v);
  await kind.setup?.({ name, uuid, settings, annex });
  await recordSpecialRemoteConfig(annex.branch, { uuid, config: settings, now: annex.now() });
  await writeGitConfig(annex, { name, uuid, kind, local, type: logged.get('type') ?? kind.typeName, params: merged });
  await annex.branch.commit();
  return { uuid, settings };
}

async function writeGitConfig(annex: Annex, o: { name: string; uuid: string; kind: SpecialKind; local: ReadonlyMap<string, string>; type: string; params: ReadonlyMap<string, string> }): Promise<void> {
  const prefix = `remote.${o.name}`;
  // The kind's marker key first: it is what says "special remote" to git-annex and arbor.
  const marker = o.local.get(o.kind.gitConfigKey) ?? o.params.get(o.kind.gitConfigKey) ?? 'true';
  await annex.git.configSet(`${prefix}.annex-${o.kind.gitConfigKey}`, marker);
  for (const [k, v] of o.local) if (k !== o.kind.gitConfigKey) await annex.git.configSet(`${prefix}.annex-${k}`, v);
  await annex.git.configSet(`${prefix}.annex-uuid`, o.uuid);
  await annex.git.configSet(`${prefix}.skipFetchAll`, 'true');
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
