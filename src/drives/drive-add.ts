// Preparing a repository on a removable drive for `git arbor drive add`: where, bare or not, what the filesystem allows.
//
// This module stays at the filesystem and `git init` level (layer L1: it knows nothing about
// annex, remotes or sync); cli/commands/drive.ts then initialises the annex there, adds the
// remote and syncs.
//
// Bare, always. git-annex's webapp makes every removable-drive repository bare
// (Assistant/WebApp/Configurators/Local.hs: `makeRepo dir True`), and so do we, on ext4 as on
// vfat/exfat:
// - nobody works in a drive's checkout: a work tree there would only change when someone ran a
//   sync on the drive itself, so it would mostly show stale files;
// - pushes update a bare repository's branches directly (a non-bare one refuses a push to its
//   checked-out branch, so only synced/ branches would move);
// - FAT filesystems have no symlinks (locked files) and fold case, which a bare repository never
//   needs: its objects use git-annex's lower-case hash directories (hashDirLower) everywhere.
// The symlink probe still matters: on a filesystem without symlinks git-annex's own init records
// annex.crippledfilesystem=true (checked with git-annex 10.20230126 on exFAT), and the command
// records the same, so git-annex handles the repository as it would one it had made.

import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm, stat, symlink } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { ArborError, errnoCode } from '../util/errors.js';
import { nodeSpawner, type Spawner } from '../util/spawn.js';
import { containingMount, type Mount, type MountSource } from './mount-source.js';

/**
 * annex-cost of a drive remote: git-annex's nearlyCheapRemoteCost (Config/Cost.hs). A drive is
 * local (cheaper than any network remote at 175/200) but usually slower than an internal disk
 * (local remotes default to 100), so when both hold a file it is fetched from the internal one.
 */
export const DRIVE_REMOTE_COST = 110;

/**
 * The git config key marking remote `name` as a removable drive (`remote.<name>.arbor-drive`),
 * so the status page lists it among the drives also when it lives on a filesystem that does not
 * look removable (a directory on the system disk) or is unplugged.
 */
export function driveMarkerKey(name: string): string {
  return `remote.${name}.arbor-drive`;
}

/** The drive path cannot hold a repository. */
export class DrivePathError extends ArborError {
  constructor(path: string, reason: string) {
    super('EDRIVEPATH', `cannot set up a drive repository at ${path}: ${reason}`, { data: { path } });
    this.name = 'DrivePathError';
  }
}

/** A prepared drive repository. */
export interface DriveRepository {
  /** Absolute path of the repository (its git directory: it is bare). */
  readonly path: string;
  /** Whether `git init` ran now (false: an existing repository was found there). */
  readonly created: boolean;
  readonly bare: boolean;
  /** Whether the filesystem can hold symlinks (false on vfat/exfat). */
  readonly symlinks: boolean;
  /** The mount the repository lives on, when the mount table could be read. */
  readonly mount: Mount | undefined;
}

/** Whether `dir` (an existing directory) can hold a symlink: tried for real, then removed. */
export async function probeSymlinks(dir: string): Promise<boolean> {
  const probe = join(dir, `.arbor-symlink-probe-${randomBytes(4).toString('hex')}`);
  try {
    await symlink('target', probe);
    return true;
  } catch {
    return false; // EPERM (vfat), ENOSYS (FUSE exfat), EOPNOTSUPP …
  } finally {
    await rm(probe, { force: true }).catch(() => undefined);
  }
}

/** Turns any text into a valid git remote name ("My Drive!" → "My-Drive"), or '' if nothing is left. */
export function sanitizeRemoteName(text: string): string {
  return text
    .replace(/\.git$/, '')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/^[-.]+|[-.]+$/g, '')
    .replace(/\.lock$/, '');
}

/**
 * The default remote name for a drive repository: the drive's mount point name (its label, as
 * git-annex names drive remotes), unless the repository sits on a system mount; then the
 * repository's own directory name.
 */
export function defaultDriveName(path: string, mount: Mount | undefined): string {
  const fromMount = mount && mount.mountPoint !== '/' ? sanitizeRemoteName(basename(mount.mountPoint)) : '';
  return fromMount || sanitizeRemoteName(basename(path)) || 'drive';
}

async function isDir(p: string): Promise<boolean> {
  return stat(p).then((s) => s.isDirectory(), () => false);
}

/** 'bare' | 'non-bare' when `path` is a git repository (judged by its files, never by searching upwards). */
async function repositoryKind(path: string): Promise<'bare' | 'non-bare' | undefined> {
  if (await stat(join(path, '.git')).then(() => true, () => false)) return 'non-bare';
  if ((await isDir(join(path, 'objects'))) && (await stat(join(path, 'HEAD')).then(() => true, () => false))) return 'bare';
  return undefined;
}

/**
 * Makes sure `target` holds a git repository: an existing one is kept as it is (a drive that
 * already holds a copy), an empty or missing directory gets `git init --bare`. A non-empty
 * directory that is not a repository is refused, so a drive's own files never get mixed with
 * git's: name a new directory on it instead (git-annex uses <drive>/annex).
 */
export async function prepareDriveRepository(target: string, options: { source?: MountSource; spawner?: Spawner } = {}): Promise<DriveRepository> {
  const path = resolve(target);
  const spawner = options.spawner ?? nodeSpawner;
  const mounts = options.source ? await options.source.list().catch(() => []) : [];
  const mount = containingMount(path, mounts);
  const existing = await stat(path).catch((err: unknown) => {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw new DrivePathError(path, String(errnoCode(err) ?? err));
  });
  if (existing && !existing.isDirectory()) throw new DrivePathError(path, 'it is a file');
  if (existing) {
    const kind = await repositoryKind(path);
    if (kind) return { path, created: false, bare: kind === 'bare', symlinks: await probeSymlinks(path), mount };
    if ((await readdir(path)).length > 0) {
      throw new DrivePathError(path, `the directory is not empty and not a repository (use a new directory, e.g. ${join(path, 'annex')})`);
    }
  }
  try {
    await mkdir(path, { recursive: true });
  } catch (err) {
    throw new DrivePathError(path, String(errnoCode(err) ?? err));
  }
  const symlinks = await probeSymlinks(path);
  const r = await spawner.run('git', ['init', '--quiet', '--bare', path]);
  if (r.code !== 0) throw new DrivePathError(path, `git init failed: ${r.stderr.trim().split('\n')[0] ?? ''}`);
  return { path, created: true, bare: true, symlinks, mount };
}
