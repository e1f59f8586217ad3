// info: what a user wants to know about a repository at a glance.

import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { repositoryDescriptions } from '../annex/logs/uuid.js';
import { numCopies } from '../annex/logs/numcopies.js';
import { trustLevels } from '../annex/logs/trust.js';
import type { ContentSession } from './session.js';
import { listAnnexedFiles } from './annexed-files.js';

/** Repository summary (stable field names: `info --json`). */
export interface RepositoryInfo {
  readonly uuid: string;
  readonly description: string;
  readonly annexVersion: string;
  readonly bare: boolean;
  readonly numcopies: number;
  readonly localObjects: number;
  readonly localObjectBytes: number;
  readonly annexedFiles: number;
  readonly annexedFilesPresent: number;
  readonly remotes: ReadonlyArray<{ name: string; uuid: string; url: string; cost: number; description: string; trust: string }>;
  readonly repositories: ReadonlyArray<{ uuid: string; description: string; trust: string; here: boolean }>;
}

async function countObjects(dir: string): Promise<{ count: number; bytes: number }> {
  let count = 0;
  let bytes = 0;
  const walk = async (d: string, depth: number): Promise<void> => {
    const names = await readdir(d).catch(() => [] as string[]);
    for (const n of names) {
      const p = join(d, n);
      if (depth === 3) {
        const s = await stat(join(p, n)).catch(() => undefined);
        if (s?.isFile()) {
          count++;
          bytes += s.size;
        }
      } else {
        await walk(p, depth + 1);
      }
    }
  };
  await walk(dir, 1);
  return { count, bytes };
}

/** Gathers the summary. */
export async function repositoryInfo(session: ContentSession): Promise<RepositoryInfo> {
  const { annex } = session;
  const descriptions = await repositoryDescriptions(annex.branch);
  const trust = await trustLevels(annex.branch);
  const objects = await countObjects(join(annex.git.repo.gitDir, 'annex', 'objects'));
  const files = annex.workTree ? await listAnnexedFiles(annex) : [];
  let present = 0;
  for (const f of files) if (await annex.store.has(f.key)) present++;
  return {
    uuid: annex.uuid,
    description: descriptions.get(annex.uuid) ?? '',
    annexVersion: (await annex.git.configGet('annex.version')) ?? '',
    bare: annex.git.repo.bare,
    numcopies: await numCopies(annex.branch),
    localObjects: objects.count,
    localObjectBytes: objects.bytes,
    annexedFiles: files.length,
    annexedFilesPresent: present,
    remotes: session.remotes.map((r) => ({
      name: r.name,
      uuid: r.uuid || r.config.uuid || '',
      url: r.config.url,
      cost: r.cost,
      description: descriptions.get(r.uuid || r.config.uuid || '') ?? '',
      trust: trust.get(r.uuid || r.config.uuid || '') ?? 'semitrusted',
    })),
    repositories: [...descriptions].sort(([a], [b]) => (a < b ? -1 : 1)).map(([uuid, description]) => ({
      uuid,
      description,
      trust: trust.get(uuid) ?? 'semitrusted',
      here: uuid === annex.uuid,
    })),
  };
}
