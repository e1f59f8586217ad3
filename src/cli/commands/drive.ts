// `git arbor drive add <path>`: set up a repository on a removable drive, add it as a remote and sync with it.

import { resolve } from 'node:path';
import { initAnnex } from '../../annex/init.js';
import type { Annex } from '../../annex/annex.js';
import { openGit } from '../../git/git.js';
import { readRemoteConfigs } from '../../remotes/index.js';
import { localPathOf } from '../../remotes/git-local.js';
import { sync } from '../../sync/sync.js';
import { DRIVE_REMOTE_COST, defaultDriveName, driveMarkerKey, prepareDriveRepository, sanitizeRemoteName, type DriveRepository } from '../../drives/drive-add.js';
import { isUnder, platformMountSource } from '../../drives/mount-source.js';
import { UsageError } from '../../util/errors.js';
import { withAnnex } from '../repo-context.js';
import type { ArborCommand } from '../command.js';

/** Picks the remote name: an existing remote for this path keeps its name; a default name gets -2, -3 … when taken. */
async function chooseName(annex: Annex, drive: DriveRepository, wanted: string | undefined): Promise<{ name: string; exists: boolean }> {
  const base = annex.workTree ?? annex.git.repo.gitDir;
  const remotes = await readRemoteConfigs(annex);
  const pointsHere = (url: string): boolean => localPathOf(url, base) !== undefined && resolve(base, localPathOf(url, base) ?? '') === drive.path;
  if (wanted !== undefined) {
    const same = remotes.find((r) => r.name === wanted);
    if (same && !pointsHere(same.url)) throw new UsageError(`a remote named ${wanted} already exists (${same.url}); choose another --name`);
    return { name: wanted, exists: same !== undefined };
  }
  const existing = remotes.find((r) => pointsHere(r.url));
  if (existing) return { name: existing.name, exists: true };
  const stem = defaultDriveName(drive.path, drive.mount);
  const taken = new Set(remotes.map((r) => r.name));
  let name = stem;
  for (let i = 2; taken.has(name); i++) name = `${stem}-${i}`;
  return { name, exists: false };
}

/**
 * Sets up the drive repository (bare, see drives/drive-add.ts), initialises its annex (recording
 * annex.crippledfilesystem where symlinks are impossible, as git-annex's init does), adds it as a
 * remote with the drive cost, and syncs git and content with it. The work tree is not committed:
 * adding a drive should not turn someone's unfinished edits into a commit.
 */
export const driveCommand: ArborCommand = {
  name: 'drive',
  writes: true,
  summary: 'removable drives: `drive add <path>` sets up a repository on a drive and syncs with it',
  configure: (cmd) =>
    void cmd
      .argument('<action>', 'add')
      .argument('<path>', 'directory for the repository on the drive (created if missing; e.g. /media/me/USB/annex)')
      .option('--name <name>', 'remote name (default: the drive\'s name)')
      .option('--description <text>', 'repository description (default: "<name> (removable drive)")')
      .option('--json', 'machine-readable output'),
  run: (ctx, args, opts) =>
    withAnnex(ctx, async (annex) => {
      const [action, path] = args as [string, string];
      if (action !== 'add') throw new UsageError(`unknown drive action ${JSON.stringify(action)} (expected: add)`);
      const wanted = typeof opts.name === 'string' ? opts.name : undefined;
      if (wanted !== undefined && (sanitizeRemoteName(wanted) !== wanted || !wanted)) throw new UsageError(`${JSON.stringify(wanted)} is not a usable remote name`);
      const target = resolve(ctx.cwd, path);
      for (const own of [annex.workTree, annex.git.repo.gitDir]) {
        if (own && (isUnder(target, own) || isUnder(own, target))) throw new UsageError(`${target} overlaps this repository (${own})`);
      }
      const source = platformMountSource(process.platform);
      const drive = await prepareDriveRepository(target, source ? { source } : {});
      const { name, exists } = await chooseName(annex, drive, wanted);
      const git = await openGit(drive.path);
      let fresh: boolean;
      try {
        fresh = (await git.configGet('annex.uuid')) === undefined;
        // A drive can be pulled out at any moment: git objects and refs pushed to it are fsynced
        // (git's default leaves them in the page cache, and a pull loses them: empty objects).
        if ((await git.configGet('core.fsync')) === undefined) await git.configSet('core.fsync', 'objects,reference');
        if (!drive.symlinks) {
          await git.configSet('annex.crippledfilesystem', 'true');
          await git.configSet('annex.sshcaching', 'false');
        }
      } finally {
        await git.close();
      }
      // A repository that is new to the annex gets the drive description; a known one keeps its own.
      const description = typeof opts.description === 'string' ? opts.description : fresh ? `${name} (removable drive)` : undefined;
      const init = await initAnnex(drive.path, description ? { description } : {});
      if (!exists) await annex.git.run(['remote', 'add', name, drive.path]);
      await annex.git.configSet(`remote.${name}.annex-cost`, String(DRIVE_REMOTE_COST));
      await annex.git.configSet(`remote.${name}.annex-uuid`, init.uuid);
      await annex.git.configSet(driveMarkerKey(name), 'true');
      const result = await sync(annex, {
        commit: false,
        content: true,
        remotes: [name],
        report: opts.json === true ? () => undefined : (e) => ctx.out.warn(e.message),
      });
      const summary = {
        name,
        path: drive.path,
        uuid: init.uuid,
        description: init.description,
        created: drive.created,
        bare: drive.bare,
        symlinks: drive.symlinks,
        cost: DRIVE_REMOTE_COST,
        mountPoint: drive.mount?.mountPoint,
        sync: result,
      };
      if (opts.json === true) {
        ctx.out.json(summary);
      } else {
        const kind = `${drive.bare ? 'bare' : 'non-bare'}${drive.symlinks ? '' : ', no symlinks'}`;
        ctx.out.line(`drive ${name}: ${drive.created ? 'created' : 'found'} ${drive.path} (${kind}) ok`);
        if (result.content) ctx.out.line(`content: ${result.content.got} got, ${result.content.sent} sent, ${result.content.dropped} dropped, ${result.content.failed} failed`);
        for (const r of result.remotes) ctx.out.line(`${r.remote}: ${r.errors.length ? r.errors.join('; ') : 'synced ok'}`);
      }
      return result.ok ? 0 : 1;
    }),
};
