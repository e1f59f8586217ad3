// The kept-alive `git check-attr -z --stdin` process: values, unspecified/set/unset, pipelining, odd paths, restart.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { ok } from '../helpers/run.js';
import { parseCheckAttrZ, startCheckAttr } from '../../src/git/check-attr.js';
import { GitCommandError } from '../../src/git/errors.js';

async function repoWithAttributes(attributes: string): Promise<string> {
  const dir = tempDir('arbor-attr-');
  await ok('git', ['init', '-q', dir]);
  await writeFile(join(dir, '.gitattributes'), attributes);
  return dir;
}

test('parseCheckAttrZ splits complete records and keeps an incomplete tail', () => {
  const { records, rest } = parseCheckAttrZ('a b\0x\0set\0c\0x\0(v)or(w)\0d\0x');
  assert.deepEqual(records, [
    { path: 'a b', attribute: 'x', info: 'set' },
    { path: 'c', attribute: 'x', info: '(v)or(w)' },
  ]);
  assert.equal(rest, 'd\0x');
  assert.deepEqual(parseCheckAttrZ(`${rest}\0unset\0`).records, [{ path: 'd', attribute: 'x', info: 'unset' }]);
});

test('answers values, set, unset and unspecified per path, for several attributes, in request order', async () => {
  const dir = await repoWithAttributes(
    '* annex.largefiles=largerthan=1kb\n*.txt annex.largefiles=nothing\n*.bin annex.largefiles\n*.md -annex.largefiles\n*.c !annex.largefiles\nsub/** annex.numcopies=3\n',
  );
  const attrs = startCheckAttr({ cwd: dir, attributes: ['annex.largefiles', 'annex.numcopies'] });
  try {
    const paths = ['a.txt', 'b.bin', 'c.md', 'd.c', 'sub/e', 'sub/dir/f.txt', 'naïve name with spaces', 'line\nbreak'];
    const answers = await Promise.all(paths.map((p) => attrs.get(p)));
    const largefiles = answers.map((a) => a.get('annex.largefiles'));
    assert.deepEqual(largefiles, ['nothing', 'set', 'unset', 'unspecified', 'largerthan=1kb', 'nothing', 'largerthan=1kb', 'largerthan=1kb']);
    assert.deepEqual(answers.map((a) => a.get('annex.numcopies')), ['unspecified', 'unspecified', 'unspecified', 'unspecified', '3', '3', 'unspecified', 'unspecified']);
  } finally {
    await attrs.close();
  }
});

test('a failing git fails the pending requests, and the next request starts a new process', async () => {
  const dir = await repoWithAttributes('* annex.largefiles=anything\n');
  const attrs = startCheckAttr({ cwd: dir, attributes: ['annex.largefiles'] });
  try {
    await assert.rejects(attrs.get('/outside/the/repository'), GitCommandError);
    assert.equal((await attrs.get('inside')).get('annex.largefiles'), 'anything');
  } finally {
    await attrs.close();
  }
});
