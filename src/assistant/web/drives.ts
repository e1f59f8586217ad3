// The drives panel of the status page: each drive remote with its last sync, free space and whether it is safe to unplug.

import { stat, statfs } from 'node:fs/promises';
import type { Annex } from '../../annex/annex.js';
import { containingMount, looksLikeDrive, type Mount, type MountSource } from '../../drives/mount-source.js';
import { ASK_GIT, readRefFromFiles } from '../../git/ref-files.js';
import type { RepoInfo } from '../../git/repo.js';
import { localPathOf } from '../../remotes/git-local.js';
import { readRemoteConfigs } from '../../remotes/index.js';
import { nodeSpawner } from '../../util/spawn.js';
import type { StatusSnapshot } from '../daemon-status.js';
import { unplugAnswer, type UnplugAnswer } from '../unplug-safety.js';

/** One drive as the page shows it. */
export interface DriveReport {
  /** The remote's name. */
  readonly name: string;
  /** Where its repository is. */
  readonly path: string;
  /** Plugged in: its repository's directory is there. */
  readonly present: boolean;
  /** The filesystem it is on, when plugged in and the mount table says. */
  readonly mountPoint?: string;
  readonly fsType?: string;
  /** Bytes free for us and the filesystem's size, when plugged in. */
  readonly free?: number;
  readonly size?: number;
  /** The last successful sync with it (ms), from status. */
  readonly lastSync?: number;
  readonly unplug: UnplugAnswer;
}

/** A bare repository at `path` as ref-files.ts reads it (a drive repository is bare: drives/drive-add.ts). */
function bareRepo(path: string): RepoInfo {
  return { gitDir: path, commonDir: path, bare: true, workTree: undefined };
}

/**
 * Which remotes are drives: those marked by `git arbor drive add` or the drive watcher
 * (remote.<name>.arbor-drive), those status shows as away (unplugged), and local remotes on a
 * filesystem that looks plugged in (a device under a non-system mount point).
 */
export class DrivesPanel {
  readonly #annex: Annex;
  readonly #branch: string;
  readonly #mounts: MountSource | undefined;
  /** Whether commit `ours` is contained in `theirs` in the drive at `path`, by "path ours theirs": commits never change, so answers stay true. */
  readonly #contains = new Map<string, boolean>();

  constructor(options: { annex: Annex; branch: string; mounts?: MountSource }) {
    this.#annex = options.annex;
    this.#branch = options.branch;
    this.#mounts = options.mounts;
  }

  /** The drives now. Costs a stat, a statfs and a few ref-file reads per drive; git runs only for a pair of commits not compared before. */
  async report(status: StatusSnapshot): Promise<DriveReport[]> {
    const base = this.#annex.workTree ?? this.#annex.git.repo.gitDir;
    const mounts: Mount[] = (await this.#mounts?.list().catch(() => [])) ?? [];
    const ours = {
      records: await this.#annex.git.revParse('refs/heads/git-annex'),
      head: await this.#annex.git.revParse('HEAD'),
    };
    const out: DriveReport[] = [];
    for (const config of await readRemoteConfigs(this.#annex)) {
      const path = localPathOf(config.url, base);
      if (path === undefined) continue;
      const mount = containingMount(path, mounts);
      const remote = status.remotes[config.name];
      if (config.drive !== true && remote?.state !== 'away' && !(mount && looksLikeDrive(mount))) continue;
      const present = await stat(path).then((s) => s.isDirectory(), () => false);
      const space = present ? await statfs(path).catch(() => undefined) : undefined;
      const running = status.transfers.running.filter((t) => t.remote === config.name).map((t) => ({ file: t.file, direction: t.direction }));
      const unplug = unplugAnswer({
        present,
        running,
        queuedUploads: status.transfers.queuedWith?.uploads[config.name] ?? 0,
        queuedDownloads: status.transfers.queuedWith?.downloads ?? 0,
        ...(remote?.driveSyncSince !== undefined ? { syncingSince: remote.driveSyncSince } : {}),
        recordsCounted: present ? await this.#counted(path, ours.records, ['refs/heads/git-annex']) : undefined,
        commitsCounted: present ? await this.#counted(path, ours.head, [`refs/heads/${this.#branch}`, `refs/heads/synced/${this.#branch}`]) : undefined,
      });
      out.push({
        name: config.name,
        path,
        present,
        ...(present && mount ? { mountPoint: mount.mountPoint, fsType: mount.fsType } : {}),
        ...(space ? { free: space.bavail * space.bsize, size: space.blocks * space.bsize } : {}),
        ...(remote?.lastSync !== undefined ? { lastSync: remote.lastSync } : {}),
        unplug,
      });
    }
    return out;
  }

  /**
   * Whether one of the drive's `refs` contains commit `ours` (true when there is nothing of ours
   * to contain); undefined when the drive's refs cannot be read from its files.
   */
  async #counted(path: string, ours: string | undefined, refs: readonly string[]): Promise<boolean | undefined> {
    if (ours === undefined) return true;
    let readable = false;
    for (const ref of refs) {
      const theirs = await readRefFromFiles(bareRepo(path), ref).catch((): typeof ASK_GIT => ASK_GIT);
      if (theirs === ASK_GIT) continue;
      readable = true;
      if (theirs === undefined) continue;
      if (theirs === ours) return true;
      const key = `${path} ${ours} ${theirs}`;
      let contained = this.#contains.get(key);
      if (contained === undefined) {
        // Exit 0: an ancestor; 1: not; anything else (ours unknown to the drive): not contained either.
        const r = await nodeSpawner.run('git', ['--git-dir', path, 'merge-base', '--is-ancestor', ours, theirs]).catch(() => undefined);
        contained = r?.code === 0;
        if (this.#contains.size >= 1000) this.#contains.clear(); // old pairs are never asked again
        if (r !== undefined) this.#contains.set(key, contained);
      }
      if (contained) return true;
    }
    return readable ? false : undefined;
  }
}
