// Automatic drops: content a repository (here or a remote) no longer wants is dropped, within the copy rules; shared by `sync --content` and the assistant's transferrer.

import { formatKey } from '../annex/key.js';
import { keysLocations } from '../annex/logs/location.js';
import { PreferredContent, readPreferredContentConfig } from '../annex/preferred-content.js';
import type { TrustLevel } from '../annex/logs/trust.js';
import type { Remote } from '../remotes/remote.js';
import { ArborError, describeError } from '../util/errors.js';
import { annexedFileChunks, type AnnexedFile } from './annexed-files.js';
import { copiesNeededFor, effectiveTrust } from './copy-rules.js';
import { decideDrops, unwantedBy } from './drop-decision.js';
import { dropFromRemote, dropLocal } from './drop.js';
import type { ContentSession } from './session.js';

/** A remote this pass may drop from. */
export interface DropTarget {
  readonly remote: Remote;
  readonly uuid: string;
}

/** The policy of one pass: preferred content under the effective trust levels. */
export interface DropPolicy {
  readonly preferred: PreferredContent;
  readonly trust: ReadonlyMap<string, TrustLevel>;
  /** Repositories whose unreadable policy was already reported (kept by a caller across passes to say it once). */
  readonly reported: Set<string>;
}

/** Reads the policy for a pass (preferred content with remote.<name>.annex-trustlevel applied). */
export async function loadDropPolicy(session: ContentSession, reported: Set<string> = new Set()): Promise<DropPolicy> {
  const [config, trust] = await Promise.all([readPreferredContentConfig(session.annex.branch), effectiveTrust(session.annex, session.remotes)]);
  return { preferred: new PreferredContent({ ...config, trust }), trust, reported };
}

/**
 * Cheap first look at one path of a file: whether a holder (here when present, or a remote the
 * location log names) may no longer want it, or has a policy arbor cannot read. Only these
 * files are looked at again with every path of their key (autoDrop).
 */
export async function mayDrop(policy: DropPolicy, file: AnnexedFile, here: { uuid: string; present: boolean }, locations: readonly string[], targets: readonly DropTarget[]): Promise<boolean> {
  const holders = [...(here.present ? [here.uuid] : []), ...targets.map((t) => t.uuid).filter((u) => locations.includes(u))];
  const copies = [...new Set([...locations.filter((u) => u !== here.uuid), ...(here.present ? [here.uuid] : [])])];
  for (const uuid of holders) {
    if (policy.preferred.misunderstood(uuid) !== undefined && !policy.reported.has(uuid)) return true;
    if (await unwantedBy(policy.preferred, uuid, file.key, [file.path], copies)) return true;
  }
  return false;
}

/** What autoDrop did. */
export interface AutoDropOutcome {
  readonly dropped: number;
  /** Paths whose drop failed (other than for too few copies or a locked copy, which wait quietly). */
  readonly failed: readonly string[];
}

/** Too few verified copies, or content locked by another process: the drop waits for a later pass. */
function isQuietRefusal(err: unknown): boolean {
  return err instanceof ArborError && (err.code === 'ENUMCOPIES' || err.code === 'ECONTENTLOCKED');
}

/**
 * Drops what the candidates' holders no longer want (content/drop-decision.ts decides): every
 * path of each candidate's key is found first (one listing of the tree), the location log is
 * read afresh, and each drop verifies and locks its copies (content/drop.ts). A policy arbor
 * cannot read is reported once (per `policy.reported`) and keeps everything.
 */
export async function autoDrop(session: ContentSession, policy: DropPolicy, candidates: readonly AnnexedFile[], targets: readonly DropTarget[]): Promise<AutoDropOutcome> {
  const { annex } = session;
  const byKey = new Map<string, AnnexedFile>();
  for (const f of candidates) if (!byKey.has(formatKey(f.key))) byKey.set(formatKey(f.key), f);
  if (byKey.size === 0) return { dropped: 0, failed: [] };
  const paths = new Map<string, string[]>([...byKey.keys()].map((k) => [k, []]));
  for await (const chunk of annexedFileChunks(annex, [], { requireMatch: false })) {
    for (const f of chunk) paths.get(formatKey(f.key))?.push(f.path);
  }
  const logs = await keysLocations(annex.branch, [...byKey.values()].map((f) => f.key));
  let dropped = 0;
  const failed: string[] = [];
  for (const [k, file] of byKey) {
    const usedBy = paths.get(k)?.length ? (paths.get(k) as string[]) : [file.path];
    const usable = targets.filter((t) => !session.unavailable.has(t.remote.name));
    const decision = await decideDrops(policy.preferred, {
      key: file.key,
      paths: usedBy,
      locations: logs.get(k) ?? [],
      here: { uuid: annex.uuid, present: await annex.store.has(file.key) },
      remotes: usable.map((t) => ({ name: t.remote.name, uuid: t.uuid })),
      need: await copiesNeededFor(annex, usedBy),
      trust: policy.trust,
    });
    for (const [uuid, reason] of decision.misunderstood) {
      if (policy.reported.has(uuid)) continue;
      policy.reported.add(uuid);
      const name = uuid === annex.uuid ? 'this repository' : (targets.find((t) => t.uuid === uuid)?.remote.name ?? uuid);
      session.report({ level: 'warn', message: `preferred content of ${name} is not understood (${reason}): as git-annex does, it keeps what it holds and gets nothing new until the expression is fixed` });
    }
    const run = async (what: string, drop: () => Promise<unknown>): Promise<void> => {
      try {
        await drop();
        dropped++;
        session.report({ level: 'info', message: `drop ${what} (unwanted)` });
      } catch (err) {
        if (isQuietRefusal(err)) return;
        failed.push(file.path);
        session.report({ level: 'warn', message: `drop ${what}: ${describeError(err)}` });
      }
    };
    if (decision.here) await run(file.path, () => dropLocal(session, file, { paths: usedBy }));
    for (const name of decision.from) {
      const target = usable.find((t) => t.remote.name === name);
      if (target) await run(`${file.path} from ${name}`, () => dropFromRemote(session, file, target.remote, { paths: usedBy }));
    }
  }
  return { dropped, failed };
}
