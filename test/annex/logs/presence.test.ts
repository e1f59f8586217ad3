// Presence logs: tolerant parsing, newest-wins compaction, and git-annex's write rules.
import '../../helpers/env.js';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARBOR_ROOT } from '../../helpers/env.js';
import { changePresence, compactPresence, currentlyPresent, formatPresenceLog, parsePresenceLog } from '../../../src/annex/logs/presence.js';
import type { PresenceLine, PresenceStatus } from '../../../src/annex/logs/presence.js';
import { logVariety } from '../../../src/annex/logs/paths.js';
import { parseVectorClock } from '../../../src/annex/vector-clock.js';
import type { VectorClock } from '../../../src/annex/vector-clock.js';
import { filesUnder } from '../../helpers/files.js';

const FIXTURES = join(ARBOR_ROOT, 'test', 'fixtures', 'branch');
const clock = (text: string): VectorClock => parseVectorClock(text) as VectorClock;
const line = (date: string, status: PresenceStatus, info: string): PresenceLine => ({ date: clock(date), status, info });
const U1 = '1e1e1e1e-0000-4000-8000-000000000002';
const U2 = 'd1d1d1d1-0000-4000-8000-000000000001';

test('parses lines in file order, keeping obsolete and duplicate lines', () => {
  const text = `1795359401.5s 1 ${U2}\n1795359400s 0 ${U1}\n1795359401.5s 1 ${U2}\n`;
  assert.deepEqual(parsePresenceLog(text), [line('1795359401.5', '1', U2), line('1795359400', '0', U1), line('1795359401.5', '1', U2)]);
});

test('tolerant parsing: \\r\\n, missing s, any precision; bad lines are skipped', () => {
  const text = [
    `1795359401 1 ${U1}\r\n`,
    '\r\r\n',
    `1795359402.123456789123s X ${U2}\r`,
    'garbage line\n',
    `1795359403s 2 ${U1}\n`, // unknown status
    `1795359403s 1\n`, // no info field
    `1795359403x 1 ${U1}\n`, // bad clock
    ` 1795359403s 1 ${U1}\n`, // leading space
    `1795359404s 0 http://example.com/a b\n`, // info with a space (url logs)
    '1795359405s 1 ',
  ].join('');
  assert.deepEqual(parsePresenceLog(text), [
    line('1795359401', '1', U1),
    line('1795359402.123456789', 'X', U2),
    line('1795359404', '0', 'http://example.com/a b'),
    line('1795359405', '1', ''),
  ]);
});

test('format then parse gives the same lines for generated logs', () => {
  let seed = 99;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const infos = [U1, U2, '', 'http://x/ y', 'é ü', ' lead', 'trail '];
  const statuses: PresenceStatus[] = ['1', '0', 'X'];
  for (let i = 0; i < 200; i++) {
    const lines = Array.from({ length: rand(6) }, () => ({
      date: { seconds: BigInt(rand(2_000_000_000)), nanos: rand(3) === 0 ? 0 : rand(1_000_000_000) },
      status: statuses[rand(3)] as PresenceStatus,
      info: infos[rand(infos.length)] as string,
    }));
    assert.deepEqual(parsePresenceLog(formatPresenceLog(lines)), lines);
  }
});

test('compaction keeps the newest line per info, sorted by info bytes', () => {
  const lines = [line('300', '0', U2), line('100', '1', U1), line('200', '1', U2), line('400', '1', 'Zeta'), line('50', '0', U1)];
  assert.deepEqual(compactPresence(lines), [line('100', '1', U1), line('400', '1', 'Zeta'), line('300', '0', U2)]);
});

test('on equal clocks the earlier line wins (git-annex foldr order)', () => {
  assert.deepEqual(compactPresence([line('5', '1', U1), line('5', '0', U1)]), [line('5', '1', U1)]);
  assert.deepEqual(compactPresence([line('5', '0', U1), line('5', '1', U1)]), [line('5', '0', U1)]);
});

test('currently present = newest status is 1; sorted', () => {
  const lines = [line('1', '1', U2), line('2', '0', U2), line('1', '1', U1), line('3', 'X', 'c'), line('9', '1', 'b')];
  assert.deepEqual(currentlyPresent(lines), [U1, 'b']);
});

test('changePresence writes nothing when the newest status is already the one asked for', () => {
  const lines = [line('100', '1', U1), line('50', '0', U1), line('10', '0', U2)];
  assert.equal(changePresence(lines, { info: U1, status: '1', now: clock('200') }), undefined);
  assert.equal(changePresence(lines, { info: U2, status: '0', now: clock('200') }), undefined);
});

test('changePresence returns the compacted file with the new line', () => {
  const lines = [line('100', '1', U2), line('50', '0', U2), line('10', '1', U1)];
  assert.deepEqual(changePresence(lines, { info: U1, status: '0', now: clock('200.5') }), [line('200.5', '0', U1), line('100', '1', U2)]);
  assert.deepEqual(changePresence([], { info: U1, status: '1', now: clock('7') }), [line('7', '1', U1)]);
  // A new info joins the compacted file too (git-annex's maybeAddLog rewrites the whole file).
  assert.deepEqual(changePresence(lines, { info: 'a', status: 'X', now: clock('200') }), [
    line('10', '1', U1),
    line('200', 'X', 'a'),
    line('100', '1', U2),
  ]);
});

test('changePresence applies the clock-skew rule against every line for that info', () => {
  const lines = [line('500.25', '0', U1), line('900', '1', U2), line('400', '1', U1)];
  assert.deepEqual(changePresence(lines, { info: U1, status: '1', now: clock('300') }), [line('501.25', '1', U1), line('900', '1', U2)]);
  assert.deepEqual(changePresence(lines, { info: U1, status: '1', now: clock('500.25') }), [line('501.25', '1', U1), line('900', '1', U2)]);
});

test('golden: git-annex location logs parse, and compacting reproduces their bytes', () => {
  const dir = join(FIXTURES, 'basic');
  const locationLogs = filesUnder(dir).filter((p) => logVariety(p) === 'location');
  assert.equal(locationLogs.length, 3);
  for (const p of locationLogs) {
    const text = readFileSync(join(dir, p), 'utf8');
    const lines = parsePresenceLog(text);
    assert.equal(lines.length, text.split('\n').length - 1, p);
    assert.equal(formatPresenceLog(compactPresence(lines)), text, p);
  }
});

test('golden: after git-annex copied to a remote whose UUID sorts first, the file is compacted and UUID-sorted', () => {
  const text = readFileSync(join(FIXTURES, 'basic', '6f5', 'fd6', 'SHA256E-s6--b6a98d9ce9a2d9149288fa3df42d377c3e42737afdcdaf714e33c0a100b51060.txt.log'), 'utf8');
  assert.deepEqual(currentlyPresent(parsePresenceLog(text)), [U1, U2]);
  assert.deepEqual(
    parsePresenceLog(text).map((l) => l.info),
    [U1, U2],
  );
});

test('golden: a union-merged location log reads as git-annex whereis reads it', () => {
  const text = readFileSync(join(FIXTURES, 'merged', '6f5', 'fd6', 'SHA256E-s6--b6a98d9ce9a2d9149288fa3df42d377c3e42737afdcdaf714e33c0a100b51060.txt.log'), 'utf8');
  const whereis = JSON.parse(readFileSync(join(FIXTURES, 'merged.whereis.json'), 'utf8')) as {
    whereis: { uuid: string }[];
    untrusted: { uuid: string }[];
  };
  const expected = [...whereis.whereis, ...whereis.untrusted].map((w) => w.uuid).sort();
  assert.equal(parsePresenceLog(text).length, 5);
  assert.deepEqual(currentlyPresent(parsePresenceLog(text)), expected);
});
