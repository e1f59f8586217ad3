// Pure parse/format of Linux's /proc/<pid>/mountinfo lines (proc(5)), including the kernel's octal escapes.
//
// Each line is: mount ID, parent ID, major:minor, root, mount point, mount options, optional
// fields ("shared:1", "master:2", …) ended by a lone "-", filesystem type, mount source and
// super-block options. The kernel escapes space, tab, newline and backslash in the path-like fields
// as \ooo octal (fs/proc_namespace.c: mangle(), seq_escape with " \t\n\\"), so "/media/My Disk"
// reads "/media/My\040Disk".

/** One mount as the kernel describes it. Field names follow proc(5). */
export interface MountinfoEntry {
  readonly mountId: number;
  readonly parentId: number;
  /** "major:minor" of the device (st_dev of files on it). */
  readonly device: string;
  /** The directory of the filesystem that forms the root of this mount ("/" usually). */
  readonly root: string;
  /** Where it is mounted, unescaped. */
  readonly mountPoint: string;
  /** Per-mount options ("rw", "ro", "nosuid", …). */
  readonly mountOptions: readonly string[];
  /** Propagation fields such as "shared:1"; usually empty. */
  readonly optionalFields: readonly string[];
  /** Filesystem type ("ext4", "vfat", "fuseblk", …). */
  readonly fsType: string;
  /** Filesystem-specific source ("/dev/sdb1", "tmpfs", …), unescaped. */
  readonly source: string;
  /** Per-superblock options. */
  readonly superOptions: readonly string[];
}

/** Decodes the kernel's \ooo escapes (any three octal digits); other backslashes are kept as they are. */
export function unescapeMountField(field: string): string {
  if (!field.includes('\\')) return field;
  const bytes: number[] = [];
  const utf8 = new TextEncoder();
  for (let i = 0; i < field.length; ) {
    const m = /^\\([0-3][0-7]{2})/.exec(field.slice(i, i + 4));
    if (m?.[1]) {
      bytes.push(Number.parseInt(m[1], 8));
      i += 4;
    } else {
      const cp = field.codePointAt(i) ?? 0;
      const ch = String.fromCodePoint(cp);
      bytes.push(...utf8.encode(ch));
      i += ch.length;
    }
  }
  // Escapes stand for bytes, and the kernel prints names byte by byte: decode the bytes as UTF-8.
  return new TextDecoder().decode(Uint8Array.from(bytes));
}

/** Escapes a path-like field as the kernel does: space, tab, newline and backslash become \ooo. */
export function escapeMountField(field: string): string {
  return field.replace(/[ \t\n\\]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
}

/** Parses one line; returns undefined for a line that is not a mountinfo record. */
export function parseMountinfoLine(line: string): MountinfoEntry | undefined {
  const fields = line.trim().split(' ');
  const dash = fields.indexOf('-', 6);
  if (dash < 0 || fields.length < dash + 3) return undefined;
  const [id, parent, device, root, mountPoint, options] = fields;
  const mountId = Number(id);
  const parentId = Number(parent);
  if (!Number.isInteger(mountId) || !Number.isInteger(parentId) || !device || !/^\d+:\d+$/.test(device) || !root || !mountPoint || !options) return undefined;
  return {
    mountId,
    parentId,
    device,
    root: unescapeMountField(root),
    mountPoint: unescapeMountField(mountPoint),
    mountOptions: options.split(','),
    optionalFields: fields.slice(6, dash),
    fsType: unescapeMountField(fields[dash + 1] ?? ''),
    source: unescapeMountField(fields[dash + 2] ?? ''),
    superOptions: (fields[dash + 3] ?? '').split(',').filter(Boolean),
  };
}

/** Formats an entry as the kernel would print it (the inverse of parseMountinfoLine). */
export function formatMountinfoLine(e: MountinfoEntry): string {
  return [
    String(e.mountId),
    String(e.parentId),
    e.device,
    escapeMountField(e.root),
    escapeMountField(e.mountPoint),
    e.mountOptions.join(','),
    ...e.optionalFields,
    '-',
    escapeMountField(e.fsType),
    escapeMountField(e.source),
    e.superOptions.join(','),
  ].join(' ');
}

/**
 * Parses a whole mountinfo text. Lines that are not records are skipped rather than fatal: the
 * table comes from the kernel, and a daemon must not stop watching over one odd line.
 */
export function parseMountinfo(text: string): MountinfoEntry[] {
  const out: MountinfoEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const e = parseMountinfoLine(line);
    if (e) out.push(e);
  }
  return out;
}
