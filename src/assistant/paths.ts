// Where the assistant keeps its files: all under .git/annex/arbor/.

import { join } from 'node:path';

/** The assistant's files for a repository whose git dir is `gitDir`. */
export function assistantPaths(gitDir: string): { dir: string; pid: string; log: string; status: string; inventoryChecks: string } {
  const dir = join(gitDir, 'annex', 'arbor');
  return { dir, pid: join(dir, 'daemon.pid'), log: join(dir, 'daemon.log'), status: join(dir, 'daemon.status.json'), inventoryChecks: join(dir, 'inventory-checks.json') };
}
