// Real removable-drive stand-ins for tests: loop-mounted ext4 and FAT images (root only), always unmounted at exit.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { onBeforeCleanup, tempDir } from '../helpers/tmp.js';

const isRoot = process.getuid?.() === 0;

function has(program: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${program}`], { encoding: 'utf8' }).status === 0;
}

function kernelHas(fs: string): boolean {
  try {
    return readFileSync('/proc/filesystems', 'utf8').split('\n').some((l) => l.trim().split(/\s+/).pop() === fs);
  } catch {
    return false;
  }
}

function sh(cmd: string, args: readonly string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
  return r.stdout.trim();
}

/** How a FAT drive can be made here, best first: the kernel's vfat, its exfat, or exFAT through FUSE. */
type FatKind = 'vfat' | 'exfat' | 'exfat-fuse';

function fatKind(): FatKind | undefined {
  if (kernelHas('vfat') && has('mkfs.vfat')) return 'vfat';
  if (kernelHas('exfat') && has('mkfs.exfat')) return 'exfat';
  if (kernelHas('fuseblk') && existsSync('/dev/fuse') && has('mkfs.exfat') && has('mount.exfat-fuse')) return 'exfat-fuse';
  return undefined;
}

const fat = isRoot ? fatKind() : undefined;
if (isRoot && !fat && process.env.CI && !has('mkfs.vfat') && !has('mkfs.exfat')) {
  throw new Error('CI=true but neither mkfs.vfat nor mkfs.exfat is installed: apt-get install dosfstools exfatprogs exfat-fuse');
}

/** Skip option for tests needing a FAT drive (vfat, or exFAT where the kernel has no vfat). */
export const needsFat: { skip: string | false } = {
  skip: !isRoot ? 'needs root to mount a filesystem' : fat ? false : 'no way to mount a FAT filesystem here (kernel vfat/exfat, or exfat-fuse + /dev/fuse)',
};

/** A mounted drive image. */
export interface Drive {
  readonly image: string;
  /** Where it is mounted (stays the same across unmount/mount). */
  readonly mountPoint: string;
  /** The filesystem as mounted: ext4, vfat, exfat or exfat-fuse. */
  readonly kind: string;
  mount(): void;
  /** Unmounts (lazily when busy, like pulling a stick while a file is open). */
  unmount(): void;
  readonly mounted: boolean;
}

const live = new Set<Drive>();
const loops = new Set<string>();
onBeforeCleanup(() => {
  for (const d of live) if (d.mounted) spawnSync('umount', ['-l', d.mountPoint]);
  for (const l of loops) spawnSync('losetup', ['-d', l]);
});

function makeDrive(image: string, kind: string, mountPoint: string, mountFn: () => void): Drive {
  let mounted = false;
  const drive: Drive = {
    image,
    mountPoint,
    kind,
    mount: () => {
      mountFn();
      mounted = true;
    },
    unmount: () => {
      const r = spawnSync('umount', [mountPoint], { encoding: 'utf8' });
      if (r.status !== 0) sh('umount', ['-l', mountPoint]);
      mounted = false;
    },
    get mounted() {
      return mounted;
    },
  };
  live.add(drive);
  drive.mount();
  return drive;
}

/** Creates a sparse ext4 image of `sizeMb` and mounts it on `mountPoint` (default: a fresh directory). */
export function ext4Drive(options: { sizeMb?: number; mountPoint?: string; label?: string } = {}): Drive {
  const dir = tempDir('arbor-drive-');
  const image = join(dir, 'ext4.img');
  sh('truncate', ['-s', `${options.sizeMb ?? 64}M`, image]);
  sh('mkfs.ext4', ['-q', ...(options.label ? ['-L', options.label] : []), image]);
  const mountPoint = options.mountPoint ?? join(dir, options.label ?? 'USBDRIVE');
  mkdirSync(mountPoint, { recursive: true });
  return makeDrive(image, 'ext4', mountPoint, () => sh('mount', ['-o', 'loop', image, mountPoint]));
}

/** Creates and mounts a FAT image (see needsFat): no symlinks, no Unix permissions. */
export function fatDrive(options: { sizeMb?: number; label?: string } = {}): Drive {
  if (!fat) throw new Error('no FAT support here (check needsFat)');
  const dir = tempDir('arbor-drive-');
  const image = join(dir, 'fat.img');
  const label = options.label ?? 'USBSTICK';
  sh('truncate', ['-s', `${options.sizeMb ?? 64}M`, image]);
  const mountPoint = join(dir, label);
  mkdirSync(mountPoint);
  if (fat === 'vfat') {
    sh('mkfs.vfat', ['-n', label, image]);
    return makeDrive(image, fat, mountPoint, () => sh('mount', ['-t', 'vfat', '-o', 'loop', image, mountPoint]));
  }
  sh('mkfs.exfat', ['-L', label, image]);
  if (fat === 'exfat') return makeDrive(image, fat, mountPoint, () => sh('mount', ['-t', 'exfat', '-o', 'loop', image, mountPoint]));
  // exfat-fuse wants a block device: attach the image to a loop device once, mount that.
  const loop = sh('losetup', ['-f', '--show', image]);
  loops.add(loop);
  return makeDrive(image, fat, mountPoint, () => sh('mount.exfat-fuse', [loop, mountPoint]));
}

/**
 * Makes an ext4 drive fail like a pulled cable: every later I/O on it errors, and what its
 * journal had not committed is lost (EXT4_IOC_SHUTDOWN with NOLOGFLUSH, via perl's ioctl).
 * The drive must then be unmounted and mounted again, which replays the journal.
 */
export function yank(drive: Drive): void {
  const script = 'open(my $fh, "<", $ARGV[0]) or die "open: $!"; my $flags = pack("L", 2); ioctl($fh, 0x8004587d, $flags) or die "ioctl: $!";';
  sh('perl', ['-e', script, drive.mountPoint]);
}
