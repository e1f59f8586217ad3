// Where the mount table comes from (Linux mountinfo, macOS /Volumes) behind one interface, and pure helpers over it.

import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { parseMountinfo } from './mountinfo.js';

/** One mounted filesystem, as much as every platform can tell. */
export interface Mount {
  /** Absolute path where it is mounted. */
  readonly mountPoint: string;
  /** Device identity ("major:minor" on Linux, st_dev elsewhere): a different drive at the same path differs here. */
  readonly device: string;
  /** Mount source ("/dev/sdb1", "tmpfs", …; '' when unknown). */
  readonly source: string;
  /** Filesystem type ('' when unknown). */
  readonly fsType: string;
  /** Mounted read-only. */
  readonly readOnly: boolean;
}

/** Lists what is mounted now. One implementation per platform, picked in platformMountSource. */
export interface MountSource {
  readonly name: string;
  list(): Promise<Mount[]>;
}

/**
 * The identity of a mount for diffing: the same drive remounted elsewhere, another drive at the
 * same path, or a read-only mount made writable again are all "a new mount" (each deserves a
 * fresh look: a writable drive can take the pushes a read-only one could not).
 */
export function mountKey(m: Mount): string {
  return [m.mountPoint, m.device, m.source, m.fsType, m.readOnly ? 'ro' : 'rw'].join('\0');
}

/** What changed between two listings: mounts that appeared and mounts that went away. */
export interface MountDiff {
  readonly mounted: Mount[];
  readonly unmounted: Mount[];
}

/** Compares two listings (pure). Order of the result follows the listings. */
export function diffMounts(old: readonly Mount[], now: readonly Mount[]): MountDiff {
  const before = new Set(old.map(mountKey));
  const after = new Set(now.map(mountKey));
  return {
    mounted: now.filter((m) => !before.has(mountKey(m))),
    unmounted: old.filter((m) => !after.has(mountKey(m))),
  };
}

/** Whether `path` is `dir` or inside it (both absolute, normalised). */
export function isUnder(path: string, dir: string): boolean {
  const p = resolve(path);
  const d = resolve(dir);
  return p === d || p.startsWith(d.endsWith(sep) ? d : d + sep);
}

/**
 * The mount a path lives on: the one with the longest mount point containing it (pure). A
 * remote at /media/usb/x/repo belongs to a filesystem mounted at /media/usb/x, not /media/usb.
 */
export function containingMount(path: string, mounts: readonly Mount[]): Mount | undefined {
  let best: Mount | undefined;
  for (const m of mounts) {
    if (isUnder(path, m.mountPoint) && (!best || m.mountPoint.length > best.mountPoint.length)) best = m;
  }
  return best;
}

/** Mount points that are never removable media, whatever is mounted there (as git-annex's drive list skips them). */
const SYSTEM_MOUNT_POINTS = new Set(['/', '/tmp', '/boot', '/boot/efi', '/home', '/usr', '/var', '/run/shm', '/run/lock']);

/**
 * Whether a mount looks like a drive someone plugged in: a real device source (a path such as
 * /dev/sdb1 or /dev/loop0), not a pseudo filesystem or system mount point. Used only to decide
 * whether to look for repositories at its root; remotes configured under any mount are always found.
 */
export function looksLikeDrive(m: Mount): boolean {
  if (SYSTEM_MOUNT_POINTS.has(m.mountPoint)) return false;
  if (/^(squashfs|iso9660|overlay|erofs)$/.test(m.fsType)) return false; // snaps, images, containers
  return m.source.startsWith('/') || m.mountPoint.startsWith('/Volumes/');
}

/** Reads a file (injected so tests can feed golden tables). */
export type ReadText = (path: string) => Promise<string>;

/** Linux: /proc/self/mountinfo (this process's mount namespace). */
export function linuxMountSource(options: { file?: string; readText?: ReadText } = {}): MountSource {
  const file = options.file ?? '/proc/self/mountinfo';
  const read = options.readText ?? ((p: string) => readFile(p, 'utf8'));
  return {
    name: 'mountinfo',
    list: async () =>
      parseMountinfo(await read(file)).map((e) => ({
        mountPoint: e.mountPoint,
        device: e.device,
        source: e.source,
        fsType: e.fsType,
        readOnly: e.mountOptions.includes('ro'),
      })),
  };
}

/**
 * macOS: every directory in /Volumes is a mounted volume (the boot volume appears there as a
 * symlink to /, which is skipped). The device number tells drives at the same name apart.
 */
export function darwinMountSource(options: { volumesDir?: string } = {}): MountSource {
  const dir = options.volumesDir ?? '/Volumes';
  return {
    name: 'volumes',
    list: async () => {
      const out: Mount[] = [];
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        if (!entry.isDirectory()) continue; // symlinks (the boot volume) and files
        const mountPoint = join(dir, entry.name);
        const s = await stat(mountPoint).catch(() => undefined);
        if (s) out.push({ mountPoint, device: String(s.dev), source: '', fsType: '', readOnly: false });
      }
      return out;
    },
  };
}

/** The mount source for a platform (explicit list, STYLE rule 9), or undefined where none exists. */
export function platformMountSource(platform: NodeJS.Platform): MountSource | undefined {
  if (platform === 'linux' || platform === 'android') return linuxMountSource();
  if (platform === 'darwin') return darwinMountSource();
  return undefined;
}
