// Old-style UUID logs: value parsing with spaces, newest-wins and tie rules, git-annex's output format.
import '../../helpers/env.js';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARBOR_ROOT } from '../../helpers/env.js';
import { formatUuidLog, parseUuidLog, setUuidLogValue } from '../../../src/annex/logs/uuid-based.js';
import type { UuidLogEntry } from '../../../src/annex/logs/uuid-based.js';
import { logVariety } from '../../../src/annex/logs/paths.js';
import { parseVectorClock } from '../../../src/annex/vector-clock.js';
import type { VectorClock } from '../../../src/annex/vector-clock.js';

const BASIC = join(ARBOR_ROOT, 'test', 'fixtures', 'branch', 'basic');
const clock = (text: string): VectorClock => parseVectorClock(text) as VectorClock;
const dated = (value: string, date: string): UuidLogEntry => ({ value, date: clock(date) });
const U1 = '1e1e1e1e-0000-4000-8000-000000000002';
const U2 = 'd1d1d1d1-0000-4000-8000-000000000001';
const U3 = 'ffffffff-0000-4000-8000-000000000003';

test('values keep their spaces; the timestamp is the last field', () => {
  const m = parseUuidLog(`${U2} desc with spaces & stuff timestamp=1795361480.374414918s\n${U1} two  spaces timestamp=5\n`);
  assert.deepEqual(m.get(U2), dated('desc with spaces & stuff', '1795361480.374414918'));
  assert.deepEqual(m.get(U1), dated('two  spaces', '5'));
});

test('empty values: no groups is written as two spaces', () => {
  const m = parseUuidLog(`${U3}  timestamp=1795361480.944927143s\n${U1} timestamp=7s\n${U2}\n`);
  assert.deepEqual(m.get(U3), dated('', '1795361480.944927143'));
  assert.deepEqual(m.get(U1), dated('', '7'));
  assert.deepEqual(m.get(U2), { value: '' });
});

test('lines without a valid timestamp are undated, and the text stays in the value', () => {
  const m = parseUuidLog(`${U1} old description\n${U2} x timestamp=soon\n${U3} a timestamp=1 b\n`);
  assert.deepEqual(m.get(U1), { value: 'old description' });
  assert.deepEqual(m.get(U2), { value: 'x timestamp=soon' });
  assert.deepEqual(m.get(U3), { value: 'a timestamp=1 b' });
});

test('newest wins regardless of order; a tie goes to the later line; undated is oldest', () => {
  const m = parseUuidLog(
    [
      `${U1} new timestamp=20s`,
      `${U1} old timestamp=10s`,
      `${U2} first timestamp=10s`,
      `${U2} second timestamp=10s`,
      `${U3} dated timestamp=1s`,
      `${U3} undated`,
      'c0ffee undated-a',
      'c0ffee undated-b',
    ].join('\n'),
  );
  assert.equal(m.get(U1)?.value, 'new');
  assert.equal(m.get(U2)?.value, 'second');
  assert.equal(m.get(U3)?.value, 'dated');
  assert.equal(m.get('c0ffee')?.value, 'undated-b');
});

test('tolerant: \\r\\n line ends, missing s, blank and space-led lines skipped', () => {
  const m = parseUuidLog(`\r\n${U1} 1 timestamp=1795361480.899510302\r\n\r\n ${U2} 0 timestamp=5s\r\r${U2} X timestamp=6s`);
  assert.deepEqual([...m.keys()], [U1, U2]);
  assert.deepEqual(m.get(U1), dated('1', '1795361480.899510302'));
  assert.deepEqual(m.get(U2), dated('X', '6'));
});

test('formats one line per UUID sorted by UUID bytes, undated lines without timestamp', () => {
  const entries = new Map<string, UuidLogEntry>([
    [U3, dated('X', '1795361480.944073214')],
    [U1, dated('', '1900000000')],
    [U2, { value: 'legacy' }],
  ]);
  assert.equal(
    formatUuidLog(entries),
    `${U1}  timestamp=1900000000s\n${U2} legacy\n${U3} X timestamp=1795361480.944073214s\n`,
  );
});

test('format then parse gives the same map for generated logs', () => {
  let seed = 3;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const values = ['', 'client', 'a b', ' lead', 'trail ', 'x  y', 'timestamp=1', 'é & ü', 'include=*.txt or (exclude=a)'];
  for (let i = 0; i < 200; i++) {
    const entries = new Map<string, UuidLogEntry>();
    for (let j = rand(5); j > 0; j--) {
      const value = values[rand(values.length)] as string;
      const undated = rand(4) === 0 && !value.includes('timestamp=');
      entries.set(`uuid-${rand(20)}`, undated ? { value } : { value, date: { seconds: BigInt(rand(2_000_000_000)), nanos: rand(1_000_000_000) } });
    }
    assert.deepEqual(parseUuidLog(formatUuidLog(entries)), entries);
  }
});

test('setUuidLogValue rewrites the file compacted and applies the clock-skew rule', () => {
  const text = `${U2} old timestamp=100s\n${U1} x timestamp=5s\n${U2} older timestamp=50s\n`;
  assert.equal(
    setUuidLogValue(text, { uuid: U2, value: 'new one', now: clock('200.5') }),
    `${U1} x timestamp=5s\n${U2} new one timestamp=200.5s\n`,
  );
  assert.equal(setUuidLogValue(text, { uuid: U2, value: 'skewed', now: clock('99') }), `${U1} x timestamp=5s\n${U2} skewed timestamp=101s\n`);
  assert.equal(setUuidLogValue('', { uuid: U3, value: 'fresh', now: clock('1') }), `${U3} fresh timestamp=1s\n`);
});

test('golden: every uuid-based file git-annex wrote parses and re-formats to the same bytes', () => {
  const files = ['uuid.log', 'trust.log', 'group.log', 'remote.log', 'preferred-content.log', 'required-content.log', 'schedule.log'];
  for (const f of files) {
    assert.equal(logVariety(f), 'uuid-based', f);
    const text = readFileSync(join(BASIC, f), 'utf8');
    const parsed = parseUuidLog(text);
    assert.equal(parsed.size, text.split('\n').length - 1, f);
    assert.equal(formatUuidLog(parsed), text, f);
  }
});

test('golden: values as git-annex recorded them', () => {
  const read = (f: string): Map<string, UuidLogEntry> => parseUuidLog(readFileSync(join(BASIC, f), 'utf8'));
  assert.equal(read('uuid.log').get(U2)?.value, 'desc with spaces & stuff');
  assert.equal(read('uuid.log').get(U1)?.value, 'my directory remote');
  assert.deepEqual(
    [...read('trust.log')].map(([u, e]) => [u, e.value]),
    [
      [U1, '0'],
      [U2, '1'],
      [U3, 'X'],
    ],
  );
  assert.equal(read('group.log').get(U2)?.value, 'client');
  assert.equal(read('group.log').get(U3)?.value, '');
  assert.equal(read('schedule.log').get(U2)?.value, 'fsck self 30m every day at any time');
  assert.equal(read('required-content.log').get(U2)?.value, 'include=*.txt');
});
