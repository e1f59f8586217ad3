// A repository with annexed files and a bare git remote, opened in-process, with the content glue the assistant uses.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { openAnnex, type Annex } from '../../src/annex/annex.js';
import { keyLocations } from '../../src/annex/logs/location.js';
import { listAnnexedFiles, type AnnexedFile } from '../../src/content/annexed-files.js';
import { copyToRemote } from '../../src/content/copy.js';
import { getFile } from '../../src/content/get.js';
import { closeSession, openSession, remoteNamed, type ContentSession } from '../../src/content/session.js';
import type { Remote } from '../../src/remotes/remote.js';
import type { PerformTransfer } from '../../src/transfers/engine.js';
import type { TransferJob } from '../../src/transfers/queue.js';
import { arbor } from '../helpers/arbor.js';
import { git, makeRepo, writeFiles } from '../helpers/repo.js';

/** An opened fixture. */
export interface Fixture {
  readonly dir: string;
  readonly bare: string;
  readonly annex: Annex;
  readonly session: ContentSession;
  readonly files: ReadonlyMap<string, AnnexedFile>;
  /** The remote named `r` (a bare repository on a local path). */
  readonly remote: Remote;
  /** Whether this repository's location log lists the key of `path` in the remote. */
  loggedInRemote(path: string): Promise<boolean>;
  /** The remote's own annex (opened on demand; closed with the fixture). */
  remoteAnnex(): Promise<Annex>;
  close(): Promise<void>;
}

/** Random content of `size` bytes (no two files share a key). */
export function randomContent(size: number): Buffer {
  return randomBytes(size);
}

/** Repository `a` with `files` annexed and committed, and a bare remote `r` that knows the git-annex branch. */
export async function makeFixture(files: Record<string, Buffer>, options: { config?: Record<string, string> } = {}): Promise<Fixture> {
  const dir = await makeRepo({ name: 'a' });
  const parent = join(dir, '..');
  const bare = await makeRepo({ bare: true, parent, name: 'r.git' });
  await arbor(dir, 'init', 'A');
  await git(dir, 'config', 'annex.largefiles', 'anything');
  for (const [k, v] of Object.entries(options.config ?? {})) await git(dir, 'config', k, v);
  writeFiles(dir, files);
  await arbor(dir, 'add', '.');
  await git(dir, 'commit', '-q', '-m', 'files');
  await git(dir, 'remote', 'add', 'r', bare);
  await git(dir, 'push', '-q', 'r', 'main', 'git-annex');
  const annex = await openAnnex(dir);
  const session = await openSession(annex);
  const list = await listAnnexedFiles(annex);
  const remote = remoteNamed(session, 'r');
  let other: Annex | undefined;
  return {
    dir,
    bare,
    annex,
    session,
    files: new Map(list.map((f) => [f.path, f])),
    remote,
    loggedInRemote: async (path) => {
      const f = list.find((x) => x.path === path);
      if (!f) throw new Error(`no annexed file ${path}`);
      return (await keyLocations(annex.branch, f.key)).includes(await remote.connect());
    },
    remoteAnnex: async () => {
      await remote.connect(); // a remote with a git-annex branch is initialised on first use
      return (other ??= await openAnnex(bare));
    },
    close: async () => {
      await annex.branch.commit().catch(() => undefined);
      await closeSession(session);
      await other?.close();
      await annex.close();
    },
  };
}

/** The job for `path` in the fixture. */
export function jobFor(fx: Fixture, path: string, direction: 'upload' | 'download' = 'upload'): TransferJob {
  const f = fx.files.get(path);
  if (!f) throw new Error(`no annexed file ${path}`);
  return { direction, key: f.key, file: path, ...(direction === 'upload' ? { remote: 'r' } : {}) };
}

/**
 * The assistant's glue (assistant/workers/transferrer.ts): uploads with copyToRemote, downloads
 * with getFile. `remoteFor` may substitute a wrapped remote (e.g. one that corrupts bytes).
 */
export function contentPerform(fx: Fixture, remoteFor: (name: string) => Remote = (n) => remoteNamed(fx.session, n)): PerformTransfer {
  return async (job, io) => {
    const file = fx.files.get(job.file);
    if (!file) throw new Error(`no annexed file ${job.file}`);
    if (job.direction === 'download') {
      const r = await getFile(fx.session, file, { ...(job.remote ? { from: remoteFor(job.remote) } : {}), progress: io.progress, throttle: io.throttle });
      return r.status === 'got' ? 'transferred' : 'already-there';
    }
    const r = await copyToRemote(fx.session, file, remoteFor(job.remote ?? ''), { progress: io.progress, throttle: io.throttle });
    return r.status === 'copied' ? 'transferred' : 'already-there';
  };
}
