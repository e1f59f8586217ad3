// Mount sources and the pure helpers over mount tables: diffMounts, containingMount, looksLikeDrive.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { containingMount, darwinMountSource, diffMounts, isUnder, linuxMountSource, looksLikeDrive, type Mount } from '../../src/drives/mount-source.js';
import { tempDir } from '../helpers/tmp.js';

const m = (mountPoint: string, extra: Partial<Mount> = {}): Mount => ({ mountPoint, device: '8:1', source: '/dev/sdb1', fsType: 'vfat', readOnly: false, ...extra });

test('diffMounts reports mounts that appeared and went away, and nothing for an unchanged table', () => {
  const root = m('/', { device: '254:0', source: '/dev/vda', fsType: 'ext4' });
  const usb = m('/media/usb');
  assert.deepEqual(diffMounts([root], [root, usb]), { mounted: [usb], unmounted: [] });
  assert.deepEqual(diffMounts([root, usb], [root]), { mounted: [], unmounted: [usb] });
  assert.deepEqual(diffMounts([root, usb], [usb, root]), { mounted: [], unmounted: [] });
});

test('another drive at the same mount point, or a remount read-write, is a change', () => {
  const a = m('/media/usb', { device: '8:17', source: '/dev/sdb1' });
  const b = m('/media/usb', { device: '8:33', source: '/dev/sdc1' });
  assert.deepEqual(diffMounts([a], [b]), { mounted: [b], unmounted: [a] });
  const ro = { ...a, readOnly: true };
  assert.deepEqual(diffMounts([ro], [a]), { mounted: [a], unmounted: [ro] });
});

test('containingMount picks the deepest mount point, on path-component boundaries', () => {
  const mounts = [m('/'), m('/media/usb'), m('/media/usb/inner'), m('/media/usb2')];
  assert.equal(containingMount('/media/usb/annex', mounts)?.mountPoint, '/media/usb');
  assert.equal(containingMount('/media/usb', mounts)?.mountPoint, '/media/usb');
  assert.equal(containingMount('/media/usb/inner/repo', mounts)?.mountPoint, '/media/usb/inner');
  assert.equal(containingMount('/media/usb2/x', mounts)?.mountPoint, '/media/usb2');
  assert.equal(containingMount('/media/usbx', mounts)?.mountPoint, '/');
  assert.equal(containingMount('/x', [m('/media')]), undefined);
  assert.ok(isUnder('/a/b/', '/a'));
  assert.ok(!isUnder('/ab', '/a'));
});

test('looksLikeDrive: real devices yes; system mount points, pseudo and image filesystems no', () => {
  assert.ok(looksLikeDrive(m('/media/me/USB')));
  assert.ok(looksLikeDrive(m('/mnt/x', { source: '/dev/loop3', fsType: 'ext4' })));
  assert.ok(!looksLikeDrive(m('/', { source: '/dev/vda' })));
  assert.ok(!looksLikeDrive(m('/tmp', { source: 'tmpfs', fsType: 'tmpfs' })));
  assert.ok(!looksLikeDrive(m('/run/user/1000', { source: 'tmpfs', fsType: 'tmpfs' })));
  assert.ok(!looksLikeDrive(m('/snap/core/1', { source: '/dev/loop7', fsType: 'squashfs', readOnly: true })));
});

test('the Linux source reads mountinfo (this machine\'s, and a golden table)', async () => {
  const real = await linuxMountSource().list();
  assert.ok(real.some((x) => x.mountPoint === '/'), 'the root mount is listed');
  const golden = '22 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n91 22 8:17 / /media/My\\040USB ro,nosuid - vfat /dev/sdb1 ro\n';
  const listed = await linuxMountSource({ readText: async () => golden }).list();
  assert.deepEqual(listed[1], { mountPoint: '/media/My USB', device: '8:17', source: '/dev/sdb1', fsType: 'vfat', readOnly: true });
});

test('the macOS source lists the directories in /Volumes and skips the boot volume symlink', async () => {
  const volumes = tempDir('arbor-volumes-');
  mkdirSync(join(volumes, 'BACKUP'));
  mkdirSync(join(volumes, 'My Stick'));
  symlinkSync('/', join(volumes, 'Macintosh HD'));
  const listed = await darwinMountSource({ volumesDir: volumes }).list();
  assert.deepEqual(listed.map((x) => x.mountPoint).sort(), [join(volumes, 'BACKUP'), join(volumes, 'My Stick')]);
  assert.ok(listed.every((x) => x.device !== ''));
});
