// Parsing /proc/self/mountinfo: real-world lines, the kernel's octal escapes, and format/parse round trips.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeMountField, formatMountinfoLine, parseMountinfo, parseMountinfoLine, unescapeMountField } from '../../src/drives/mountinfo.js';

// Lines as a Linux 6.x kernel prints them (a USB stick with a label containing spaces, an exFAT
// FUSE mount, a loop-mounted ext4 image, a shared-propagation root, a tmpfs).
const SAMPLE = [
  '22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw',
  '27 22 0:25 / /tmp rw,nosuid,nodev shared:5 master:3 - tmpfs tmpfs rw,size=2048k,inode64',
  '43 27 7:0 / /tmp/arbor\\040drive/mnt rw,relatime - ext4 /dev/loop0 rw',
  '91 22 8:17 / /media/me/My\\040Photos\\0402024 rw,nosuid,nodev,relatime shared:380 - vfat /dev/sdb1 rw,fmask=0022,dmask=0022,codepage=437,iocharset=ascii,shortname=mixed,showexec,utf8,errors=remount-ro',
  '44 27 7:1 / /tmp/exp/mnt ro,nosuid,nodev,relatime - fuseblk /dev/loop1 ro,user_id=0,group_id=0,default_permissions,allow_other,blksize=4096',
  '',
].join('\n');

test('parses every field of a mountinfo line', () => {
  const [root, tmp] = parseMountinfo(SAMPLE);
  assert.deepEqual(root, {
    mountId: 22,
    parentId: 1,
    device: '254:0',
    root: '/',
    mountPoint: '/',
    mountOptions: ['rw', 'relatime'],
    optionalFields: ['shared:1'],
    fsType: 'ext4',
    source: '/dev/vda',
    superOptions: ['rw'],
  });
  assert.deepEqual(tmp?.optionalFields, ['shared:5', 'master:3']);
  assert.equal(tmp?.fsType, 'tmpfs');
});

test('mount points with spaces come back unescaped (\\040)', () => {
  const mounts = parseMountinfo(SAMPLE);
  assert.equal(mounts[2]?.mountPoint, '/tmp/arbor drive/mnt');
  assert.equal(mounts[3]?.mountPoint, '/media/me/My Photos 2024');
  assert.equal(mounts[3]?.fsType, 'vfat');
  assert.equal(mounts[4]?.mountOptions[0], 'ro');
});

test('all four escaped characters and UTF-8 names decode', () => {
  assert.equal(unescapeMountField('a\\040b\\011c\\012d\\134e'), 'a b\tc\nd\\e');
  // The kernel prints non-ASCII bytes as they are; an escaped byte sequence is UTF-8 too.
  assert.equal(unescapeMountField('/media/Fotos\\040Müll'), '/media/Fotos Müll');
  assert.equal(unescapeMountField('/media/\\303\\274'), '/media/ü');
  // A backslash that does not start an octal escape is kept.
  assert.equal(unescapeMountField('/a\\x'), '/a\\x');
});

test('escape and unescape are inverses', () => {
  for (const s of ['/plain', '/with space', '/tab\there', '/new\nline', '/back\\slash', '/ü ß/x', ' ', '\\040']) {
    assert.equal(unescapeMountField(escapeMountField(s)), s);
    assert.doesNotMatch(escapeMountField(s), /[ \t\n]/);
  }
});

test('format then parse gives the same entry, and parse then format the same line', () => {
  for (const line of SAMPLE.split('\n').filter(Boolean)) {
    const e = parseMountinfoLine(line);
    assert.ok(e, line);
    assert.equal(formatMountinfoLine(e), line);
    assert.deepEqual(parseMountinfoLine(formatMountinfoLine(e)), e);
  }
  const odd = { mountId: 7, parentId: 1, device: '8:1', root: '/sub dir', mountPoint: '/mnt/a\\b c', mountOptions: ['rw'], optionalFields: [], fsType: 'ext4', source: '/dev/disk/by-label/My Disk', superOptions: [] };
  assert.deepEqual(parseMountinfoLine(formatMountinfoLine(odd)), odd);
});

test('lines that are not records are skipped, not fatal', () => {
  assert.equal(parseMountinfoLine('garbage'), undefined);
  assert.equal(parseMountinfoLine('1 2 3:4 / /x rw'), undefined); // no separator
  assert.equal(parseMountinfoLine('x 2 3:4 / /x rw - ext4 /dev/a rw'), undefined);
  assert.equal(parseMountinfo(`junk\n${SAMPLE}\nmore junk`).length, 5);
});
