// Map logs (config.log, group-preferred-content.log): newest per field, sorted output.
import '../../helpers/env.js';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARBOR_ROOT } from '../../helpers/env.js';
import { formatMapLog, parseMapLog, setMapLogValue } from '../../../src/annex/logs/map-log.js';
import type { MapLogEntry } from '../../../src/annex/logs/map-log.js';
import { logVariety } from '../../../src/annex/logs/paths.js';
import { parseVectorClock } from '../../../src/annex/vector-clock.js';
import type { VectorClock } from '../../../src/annex/vector-clock.js';

const BASIC = join(ARBOR_ROOT, 'test', 'fixtures', 'branch', 'basic');
const clock = (text: string): VectorClock => parseVectorClock(text) as VectorClock;
const entry = (value: string, date: string): MapLogEntry => ({ value, date: clock(date) });

test('value is the rest of the line, spaces included; newest per field wins, a tie goes to the later line', () => {
  const m = parseMapLog('20s annex.autocommit false\n10s annex.autocommit true\n5s client include=* and exclude=x\n5s k one\n5s k two\n');
  assert.deepEqual(m.get('annex.autocommit'), entry('false', '20'));
  assert.deepEqual(m.get('client'), entry('include=* and exclude=x', '5'));
  assert.deepEqual(m.get('k'), entry('two', '5'));
});

test('tolerant: \\r\\n, missing s; lines without a value field or with a bad clock are skipped', () => {
  const m = parseMapLog('\r\n7 a 1\r\n8s b\r\nxx c 3\r\n9s d \r\n10s  e\n');
  assert.deepEqual(m.get('a'), entry('1', '7'));
  assert.equal(m.has('b'), false);
  assert.equal(m.has('c'), false);
  assert.deepEqual(m.get('d'), entry('', '9'));
  assert.deepEqual(m.get(''), entry('e', '10'));
});

test('format then parse gives the same map for generated logs', () => {
  let seed = 11;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const fields = ['annex.autocommit', 'annex.largefiles', 'client', 'é', 'Z', ''];
  const values = ['', 'true', 'a b  c', ' x', 'include=*'];
  for (let i = 0; i < 200; i++) {
    const m = new Map<string, MapLogEntry>();
    for (let j = rand(5); j > 0; j--) {
      m.set(fields[rand(fields.length)] as string, { value: values[rand(values.length)] as string, date: { seconds: BigInt(rand(2e9)), nanos: rand(1e9) } });
    }
    assert.deepEqual(parseMapLog(formatMapLog(m)), m);
  }
});

test('formats sorted by field bytes', () => {
  const m = new Map([
    ['b', entry('2', '1')],
    ['B', entry('x y', '2.5')],
    ['a', entry('', '3')],
  ]);
  assert.equal(formatMapLog(m), '2.5s B x y\n3s a \n1s b 2\n');
});

test('setMapLogValue rewrites compacted, with the clock-skew rule per field', () => {
  const text = '50s b 1\n10s a x\n40s b 0\n';
  assert.equal(setMapLogValue(text, { field: 'b', value: '2', now: clock('60') }), '10s a x\n60s b 2\n');
  assert.equal(setMapLogValue(text, { field: 'b', value: '2', now: clock('20') }), '10s a x\n51s b 2\n');
  assert.equal(setMapLogValue(text, { field: 'c', value: 'v', now: clock('1') }), '10s a x\n50s b 1\n1s c v\n');
});

test('golden: config.log and group-preferred-content.log as git-annex wrote them', () => {
  for (const [file, field, value] of [
    ['config.log', 'annex.autocommit', 'false'],
    ['group-preferred-content.log', 'client', 'include=*'],
  ] as const) {
    assert.equal(logVariety(file), 'map');
    const text = readFileSync(join(BASIC, file), 'utf8');
    const m = parseMapLog(text);
    assert.equal(m.get(field)?.value, value);
    assert.equal(formatMapLog(m), text);
  }
});
