// The drive watcher: when a drive holding one of our repositories is plugged in, ask for a sync with it; when it goes, stay quiet.

import { readdir, realpath, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { repositoryDescriptions } from '../../annex/logs/uuid.js';
import { readRemoteConfigs } from '../../remotes/index.js';
import { localPathOf } from '../../remotes/git-local.js';
import type { RemoteConfig } from '../../remotes/remote.js';
import { DRIVE_REMOTE_COST, driveMarkerKey, sanitizeRemoteName } from '../../drives/drive-add.js';
import { containingMount, looksLikeDrive, mountKey, platformMountSource, type MountSource } from '../../drives/mount-source.js';
import { MountWatcher, type MountEvent } from '../../drives/mount-watcher.js';
import { createNotifier, type Notify } from '../../drives/notify.js';
import { removeStaleLocks } from '../../drives/stale-locks.js';
import { openUsbEvents, type ModuleLoader } from '../../drives/usb-events.js';
import { describeError } from '../../util/errors.js';
import { nodeSpawner } from '../../util/spawn.js';
import type { AssistantContext } from '../context.js';
import type { Worker } from '../worker.js';

/** What can be swapped in tests; the daemon uses the defaults. */
export interface DriveWatcherOptions {
  /** Default: the platform's mount table (none on Windows: the worker then idles). */
  readonly source?: MountSource;
  /** How node-usb is loaded (default: import()); USB events can be turned off with git config arbor.drives.usb=false. */
  readonly loadModule?: ModuleLoader;
  readonly notify?: Notify;
  /** Mount-table poll interval (ms, default 2000). */
  readonly intervalMs?: number;
  /** How often a running drive sync is checked for completion (ms, default 1000). */
  readonly followMs?: number;
}

/** A remote found on a newly mounted drive, after checking which repository is really there. */
interface Candidate {
  readonly name: string;
  readonly path: string;
}

/** The git directory of the repository at `path` (bare or not), without searching upwards; undefined when there is none. */
async function gitDirAt(path: string): Promise<string | undefined> {
  for (const [dir, marker] of [[join(path, '.git'), join(path, '.git')], [path, join(path, 'HEAD')]] as const) {
    if (await stat(marker).then(() => true, () => false)) return dir;
  }
  return undefined;
}

/** The annex.uuid of the git repository at `path` (bare or not), read from its config file without searching upwards. */
export async function readRepositoryUuid(path: string): Promise<string | undefined> {
  const gitDir = await gitDirAt(path);
  if (!gitDir) return undefined;
  const r = await nodeSpawner.run('git', ['config', '--file', join(gitDir, 'config'), '--get', 'annex.uuid']).catch(() => undefined);
  const uuid = r?.code === 0 ? r.stdout.toString('utf8').trim() : '';
  return uuid || undefined;
}

/** The path a local remote names, with symlinks resolved when it exists. */
async function remotePath(ctx: AssistantContext, config: RemoteConfig): Promise<string | undefined> {
  const p = localPathOf(config.url, ctx.annex.workTree ?? ctx.annex.git.repo.gitDir);
  return p === undefined ? undefined : realpath(p).catch(() => p);
}

/**
 * Remotes on a new mount, verified: the repository at the remote's path must carry the UUID
 * recorded for the remote (git-annex's annex-checkuuid idea), so another drive mounted at the
 * same place is never synced as if it were ours. Repositories at the drive's root (or one level
 * down) whose UUID we know are found too: a known remote mounted at a new path gets its URL
 * updated; a repository known only from uuid.log (a peer's drive) is added as a remote.
 */
async function candidatesOn(ctx: AssistantContext, e: MountEvent): Promise<Candidate[]> {
  const out: Candidate[] = [];
  const configs = (await readRemoteConfigs(ctx.annex)).filter((c) => c.sync);
  const here = mountKey(e.mount);
  const seen = new Set<string>();
  for (const config of configs) {
    const path = await remotePath(ctx, config);
    const on = path === undefined ? undefined : containingMount(path, e.mounts);
    if (path === undefined || !on || mountKey(on) !== here) continue;
    seen.add(path);
    const uuid = await readRepositoryUuid(path);
    if (!uuid) {
      ctx.log.info({ worker: 'drive-watcher' }, `${e.mount.mountPoint} was mounted, but ${path} (remote ${config.name}) holds no repository`);
    } else if (config.uuid && uuid !== config.uuid) {
      ctx.log.warn({ worker: 'drive-watcher' }, `the drive at ${e.mount.mountPoint} holds repository ${uuid} at ${path}, not remote ${config.name} (${config.uuid}): not syncing with it`);
    } else {
      out.push({ name: config.name, path });
    }
  }
  if (!looksLikeDrive(e.mount) || e.mount.readOnly) return out;
  const descriptions = await repositoryDescriptions(ctx.annex.branch).catch(() => new Map<string, string>());
  const entries = await readdir(e.mount.mountPoint, { withFileTypes: true }).catch(() => []);
  const dirs = [e.mount.mountPoint, ...entries.filter((d) => d.isDirectory()).slice(0, 64).map((d) => join(e.mount.mountPoint, d.name))];
  for (const dir of dirs) {
    if (seen.has(dir)) continue;
    const uuid = await readRepositoryUuid(dir);
    if (!uuid || uuid === ctx.annex.uuid || out.some((c) => c.path === dir)) continue;
    const known = configs.find((c) => c.uuid === uuid);
    if (known) {
      await ctx.annex.git.configSet(`remote.${known.name}.url`, dir);
      ctx.log.info({ worker: 'drive-watcher' }, `remote ${known.name} found at ${dir} (was ${known.url}): url updated`);
      out.push({ name: known.name, path: dir });
    } else if (descriptions.has(uuid)) {
      const taken = new Set((await readRemoteConfigs(ctx.annex)).map((c) => c.name));
      const stem = sanitizeRemoteName(basename(e.mount.mountPoint)) || 'drive';
      let name = stem;
      for (let i = 2; taken.has(name); i++) name = `${stem}-${i}`;
      await ctx.annex.git.run(['remote', 'add', name, dir]);
      await ctx.annex.git.configSet(`remote.${name}.annex-uuid`, uuid);
      await ctx.annex.git.configSet(`remote.${name}.annex-cost`, String(DRIVE_REMOTE_COST));
      await ctx.annex.git.configSet(driveMarkerKey(name), 'true');
      ctx.log.info({ worker: 'drive-watcher' }, `found repository "${descriptions.get(uuid) ?? uuid}" at ${dir}: added as remote ${name}`);
      out.push({ name, path: dir });
    }
  }
  return out;
}

/** Whether no sync work is queued or running (the channels and the transferrer's status). */
function idle(ctx: AssistantContext): boolean {
  const t = ctx.status.snapshot.transfers;
  return ctx.remotesChanged.size === 0 && ctx.transfers.size === 0 && t.running.length === 0 && t.queued === 0;
}

/**
 * Watches the mount table (and USB events as a hint). On a mount: finds and verifies our
 * repositories on it, clears their push back-off, and asks the merger (fetch + merge), the pusher
 * and the transferrer (whole tree) to sync with them; tells the user when that starts and ends.
 * On an unmount: one log line per remote on it. Nothing is marked missing or deleted: the remote
 * is simply unreachable until it comes back. Drives already mounted at start are left to the
 * merger's startup reconnect.
 */
export function createDriveWatcher(options: DriveWatcherOptions = {}): Worker {
  return {
    name: 'drive-watcher',
    run: async (ctx, signal) => {
      const source = options.source ?? platformMountSource(process.platform);
      if (!source) {
        ctx.log.debug({ worker: 'drive-watcher' }, `no mount table on ${process.platform}: drives are not watched`);
        await ctx.clock.sleep(2 ** 31 - 1, signal).catch(() => undefined);
        return;
      }
      const notify = options.notify ?? createNotifier({ log: ctx.log, env: process.env });
      /** Drive syncs being followed to their end, by remote name; aborted when the drive goes. */
      const following = new Map<string, AbortController>();

      const follow = async (name: string, mountPoint: string, started: number, expectPush: boolean, stop: AbortSignal): Promise<void> => {
        let quiet = 0;
        while (!stop.aborted) {
          await ctx.clock.sleep(options.followMs ?? 1000, stop).catch(() => undefined);
          if (stop.aborted) return;
          const rs = ctx.status.snapshot.remotes[name];
          if (rs?.lastFailure && rs.lastFailure.time >= started) {
            notify({ title: `Drive ${name}`, body: `sync failed: ${rs.lastFailure.error}`, level: 'warn' });
            return;
          }
          const pushed = !expectPush || (rs?.lastSync ?? 0) >= started;
          quiet = idle(ctx) && pushed ? quiet + 1 : 0;
          if (quiet >= 2) {
            notify({ title: `Drive ${name}`, body: `synced (${mountPoint})` });
            return;
          }
        }
      };

      const onMounted = async (e: MountEvent): Promise<void> => {
        const noticed = Date.now(); // file times are wall-clock times
        const found = await candidatesOn(ctx, e);
        if (found.length === 0) return;
        const started = ctx.clock.now();
        if (!e.mount.readOnly) {
          // Pulled out mid-write last time: git's lock files from then would block every ref update.
          for (const { path } of found) {
            const gitDir = await gitDirAt(path);
            for (const lock of gitDir ? await removeStaleLocks(gitDir, noticed) : []) {
              ctx.log.warn({ worker: 'drive-watcher' }, `removed ${lock}, left by an interrupted write before the drive was unplugged`);
            }
          }
        }
        for (const { name } of found) {
          ctx.failedPushes.delete(name); // back now: no waiting out the back-off
          ctx.reachability.returned(name);
          following.get(name)?.abort();
          const stop = new AbortController();
          following.set(name, stop);
          notify({ title: `Drive ${name}`, body: `plugged in at ${e.mount.mountPoint}: syncing${e.mount.readOnly ? ' (read-only: pulling only)' : ''}` });
          // Status shows the drive sync while it runs: the status page's "safe to unplug" waits for its end.
          ctx.status.update(() => void (ctx.status.remote(name).driveSyncSince = started));
          void follow(name, e.mount.mountPoint, started, !e.mount.readOnly, AbortSignal.any([stop.signal, signal])).finally(() => {
            if (following.get(name) !== stop) return;
            following.delete(name);
            ctx.status.update(() => void delete ctx.status.remote(name).driveSyncSince);
          });
        }
        ctx.remotesChanged.push(...found.map((c) => c.name));
        if (e.mount.readOnly) return;
        ctx.commits.notify();
        if (ctx.settings.content) ctx.transfers.push('');
      };

      const onUnmounted = async (e: MountEvent): Promise<void> => {
        const all = [...e.mounts, e.mount];
        for (const config of await readRemoteConfigs(ctx.annex)) {
          const path = localPathOf(config.url, ctx.annex.workTree ?? ctx.annex.git.repo.gitDir);
          const on = path === undefined ? undefined : containingMount(path, all);
          if (!on || mountKey(on) !== mountKey(e.mount)) continue;
          // Away: nothing is tried with it (no push, fetch or retry warnings) until it is plugged in again.
          ctx.reachability.away(config.name, `drive removed (${e.mount.mountPoint})`);
          const wasSyncing = following.get(config.name);
          wasSyncing?.abort();
          following.delete(config.name);
          if (wasSyncing) ctx.status.update(() => void delete ctx.status.remote(config.name).driveSyncSince);
          if (wasSyncing) notify({ title: `Drive ${config.name}`, body: `removed before its sync finished; it resumes when plugged in again`, level: 'warn' });
          else ctx.log.info({ worker: 'drive-watcher' }, `drive ${config.name} removed (${e.mount.mountPoint}); it syncs again when plugged in`);
        }
      };

      const watcher = new MountWatcher({
        source,
        clock: ctx.clock,
        ...(options.intervalMs !== undefined ? { intervalMs: options.intervalMs } : {}),
        onEvent: async (e) => {
          try {
            await (e.type === 'mounted' ? onMounted(e) : onUnmounted(e));
          } catch (err) {
            ctx.log.warn({ worker: 'drive-watcher' }, `${e.type} ${e.mount.mountPoint}: ${describeError(err)}`);
          }
        },
        onError: (err) => ctx.log.warn({ worker: 'drive-watcher' }, `cannot read the mount table (${source.name}): ${describeError(err)}`),
      });
      const usb = ctx.settings.usbDrives ? await openUsbEvents(() => watcher.poke(), options.loadModule ? { load: options.loadModule } : {}) : undefined;
      try {
        await watcher.check(); // the baseline: drives mounted before we started are not "plugged in"
        ctx.log.info({ worker: 'drive-watcher' }, `watching for drives (${source.name}${usb ? ' and USB events' : ''})`);
        await watcher.run(signal);
      } finally {
        for (const stop of following.values()) stop.abort();
        await usb?.close();
      }
    },
  };
}

/** The worker the daemon runs. */
export const driveWatcher: Worker = createDriveWatcher();
