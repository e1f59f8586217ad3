// remote.log settings: k=v words, sorted keys, &<codepoint>; escapes.
import '../../helpers/env.js';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARBOR_ROOT } from '../../helpers/env.js';
import { formatRemoteConfig, parseRemoteConfig } from '../../../src/annex/logs/remote-config.js';
import { formatUuidLog, parseUuidLog } from '../../../src/annex/logs/uuid-based.js';

const BASIC = join(ARBOR_ROOT, 'test', 'fixtures', 'branch', 'basic');

test('formats sorted keys with whitespace and & escaped as decimal code points', () => {
  const config = new Map([
    ['type', 'rsync'],
    ['name', 'rs'],
    ['rsyncurl', '/tmp/x y&z'],
    ['encryption', 'none'],
  ]);
  assert.equal(formatRemoteConfig(config), 'encryption=none name=rs rsyncurl=/tmp/x&32;y&38;z type=rsync');
  assert.equal(formatRemoteConfig(new Map([['k', 'a\tb\nc\u00a0d\u3000e']])), 'k=a&9;b&10;c&160;d&12288;e');
  // Haskell isSpace does not cover U+2028/U+2029/U+FEFF, so git-annex leaves them raw.
  assert.equal(formatRemoteConfig(new Map([['k', '\u2028\ufeff=;']])), 'k=\u2028\ufeff=;');
  assert.equal(formatRemoteConfig(new Map()), '');
});

test('parses words as key=value at the first =, unescaping values', () => {
  const m = parseRemoteConfig('encryption=none  name=rs\trsyncurl=/tmp/x&32;y&38;z type=rsync url=a=b flag');
  assert.deepEqual(
    [...m],
    [
      ['encryption', 'none'],
      ['name', 'rs'],
      ['rsyncurl', '/tmp/x y&z'],
      ['type', 'rsync'],
      ['url', 'a=b'],
      ['flag', ''],
    ],
  );
});

test('an & that is not a complete escape stays literal; a repeated key keeps the last value', () => {
  assert.equal(parseRemoteConfig('k=a&b&;c&12x;&&32;&99999999;').get('k'), 'a&b&;c&12x;& &99999999;');
  assert.equal(parseRemoteConfig('k=1 k=2').get('k'), '2');
});

test('format then parse gives the same settings for generated configs', () => {
  let seed = 5;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const keys = ['type', 'name', 'directory', 'encryption', 'chunk', 'é', 'Zed', 'a_b'];
  const values = ['', 'x', 'a b', '&', '&32;', ' \t\n\r', 'ü 𝄞', '=', 'k=v', '\u00a0'];
  for (let i = 0; i < 300; i++) {
    const config = new Map<string, string>();
    for (let j = rand(5); j > 0; j--) config.set(keys[rand(keys.length)] as string, (values[rand(values.length)] as string) + (values[rand(values.length)] as string));
    const back = parseRemoteConfig(formatRemoteConfig(config));
    assert.deepEqual(new Map([...back].sort()), new Map([...config].sort()));
  }
});

test('golden: remote.log entries from git-annex parse and re-format to the same bytes', () => {
  const text = readFileSync(join(BASIC, 'remote.log'), 'utf8');
  const log = parseUuidLog(text);
  const dir = parseRemoteConfig(log.get('1e1e1e1e-0000-4000-8000-000000000002')?.value ?? '');
  assert.deepEqual(Object.fromEntries(dir), { encryption: 'none', name: 'dir', type: 'directory' });
  const rs = parseRemoteConfig(log.get('ffffffff-0000-4000-8000-000000000003')?.value ?? '');
  assert.match(rs.get('rsyncurl') ?? '', /\/rsync dir&x$/);
  const rebuilt = new Map([...log].map(([uuid, e]) => [uuid, { ...e, value: formatRemoteConfig(parseRemoteConfig(e.value)) }]));
  assert.equal(formatUuidLog(rebuilt), text);
});
