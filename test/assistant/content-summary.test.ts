// Content wanted vs present per remote (the status page's content column): counted per file from preferred content and the location log.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyPreferredContentConfig, PreferredContent } from '../../src/annex/preferred-content.js';
import { requireKey } from '../../src/annex/key.js';
import { tallyContent, type LocatedFile } from '../../src/assistant/web/content-summary.js';

const BACKUP = '11111111-1111-1111-1111-111111111111';
const PHOTOS = '22222222-2222-2222-2222-222222222222';

function file(path: string, size: number, locations: string[]): LocatedFile {
  const key = requireKey(`SHA256E-s${size}--${String(size).padStart(64, '0')}${path.slice(path.lastIndexOf('.'))}`);
  return { file: { path, key, locked: true, mode: '120000' }, locations };
}

test('each remote: what its preferred content wants, what it holds, and what it holds of what it wants', async () => {
  const config = emptyPreferredContentConfig();
  // photos wants only .jpg files; backup has no expression, so it wants everything (as arbor plans it).
  const preferred = new PreferredContent({ ...config, preferred: new Map([[PHOTOS, 'include=*.jpg']]) });
  const chunks = [
    [file('a.jpg', 100, [BACKUP, PHOTOS]), file('b.jpg', 200, [BACKUP])],
    [file('c.mov', 1000, [PHOTOS]), file('d.mov', 4000, [])],
  ];
  const r = await tallyContent(chunks, preferred, [
    { name: 'backup', uuid: BACKUP },
    { name: 'photos', uuid: PHOTOS },
  ]);
  assert.equal(r.files, 4);
  assert.deepEqual(r.remotes.backup, { wanted: { files: 4, bytes: 5300 }, present: { files: 2, bytes: 300 }, wantedPresent: { files: 2, bytes: 300 } });
  assert.deepEqual(r.remotes.photos, { wanted: { files: 2, bytes: 300 }, present: { files: 2, bytes: 1100 }, wantedPresent: { files: 1, bytes: 100 } }, 'c.mov is held but not wanted; b.jpg is wanted but missing');
});

test('a remote whose expression uses the location log (not present elsewhere) is asked with the file\'s locations', async () => {
  const config = emptyPreferredContentConfig();
  const preferred = new PreferredContent({ ...config, preferred: new Map([[BACKUP, `not copies=2`]]) });
  const r = await tallyContent([[file('x.bin', 10, [PHOTOS]), file('y.bin', 20, [PHOTOS, BACKUP])]], preferred, [{ name: 'backup', uuid: BACKUP }]);
  assert.deepEqual(r.remotes.backup?.wanted, { files: 1, bytes: 10 }, 'x.bin has one copy and is wanted; y.bin has two and is not');
});
