// arbor/network.log: published links, newest per (from, to), withdrawals, and what a union merge keeps.
import '../../helpers/env.js';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  compactNetworkLog,
  currentLinks,
  formatNetworkLog,
  NETWORK_LOG,
  parseNetworkLog,
  publishLinks,
  type NetworkLogLine,
} from '../../../src/annex/logs/network.js';
import { logVariety } from '../../../src/annex/logs/paths.js';
import { unionMergeContent } from '../../../src/annex/logs/union-merge.js';
import { parseVectorClock, type VectorClock } from '../../../src/annex/vector-clock.js';

const A = 'aaaaaaaa-0000-0000-0000-000000000000';
const B = 'bbbbbbbb-0000-0000-0000-000000000000';
const C = 'cccccccc-0000-0000-0000-000000000000';
const clock = (text: string): VectorClock => parseVectorClock(text) as VectorClock;
const links = (text: string): Array<[string, string, number, boolean, string | undefined]> =>
  currentLinks(parseNetworkLog(text)).map((l) => [l.from, l.to, l.cost, l.available, l.name]);

test('a line is "T FROM TO S k=v…" with escaped values; format then parse round-trips generated logs', () => {
  const text = `10.5s ${A} ${B} 1 available=1 cost=100 name=usb&32;drive\n`;
  const [line] = parseNetworkLog(text);
  assert.deepEqual(line, { date: clock('10.5s'), from: A, to: B, status: '1', fields: new Map([['available', '1'], ['cost', '100'], ['name', 'usb drive']]) });
  assert.equal(formatNetworkLog(parseNetworkLog(text)), text);

  let seed = 7;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const uuids = [A, B, C];
  const names = ['origin', 'usb drive', 'a&b', 'é', ''];
  for (let i = 0; i < 200; i++) {
    const lines: NetworkLogLine[] = [];
    for (let j = rand(6); j > 0; j--) {
      const status = rand(3) === 0 ? '0' : '1';
      const fields = new Map<string, string>();
      if (status === '1') {
        fields.set('available', String(rand(2))).set('cost', String(rand(1000)));
        const name = names[rand(names.length)] as string;
        if (name) fields.set('name', name);
      }
      lines.push({ date: { seconds: BigInt(rand(2e9)), nanos: rand(1e9) }, from: uuids[rand(3)] as string, to: uuids[rand(3)] as string, status, fields });
    }
    assert.deepEqual(parseNetworkLog(formatNetworkLog(lines)), lines);
  }
});

test('tolerant: unreadable lines are skipped, \\r\\n ends lines, unknown fields are kept and ignored', () => {
  const text = `garbage\r\n1s ${A} ${B} 2 cost=1\r\nxx ${A} ${B} 1 cost=1\r\n2s ${A}\r\n3s ${A} ${C} 1 cost=7 future=thing\r\n`;
  const lines = parseNetworkLog(text);
  assert.equal(lines.length, 1);
  assert.equal(lines[0]?.fields.get('future'), 'thing');
  assert.deepEqual(links(text), [[A, C, 7, true, undefined]]);
});

test('per (from, to) the newest line wins, a tie goes to the later line; withdrawn and costless links are not links', () => {
  const text = [
    `5s ${A} ${B} 1 available=1 cost=100 name=b`,
    `9s ${A} ${B} 1 available=0 cost=150 name=b`,
    `7s ${A} ${B} 1 available=1 cost=50 name=b`,
    `3s ${B} ${C} 1 available=1 cost=10 name=first`,
    `3s ${B} ${C} 1 available=1 cost=20 name=second`,
    `4s ${A} ${C} 1 available=1 cost=10`,
    `6s ${A} ${C} 0`,
    `1s ${C} ${A} 1 available=1 name=nocost`,
    `1s ${C} ${B} 1 available=1 cost=-3`,
  ].join('\n');
  assert.deepEqual(links(text), [
    [A, B, 150, false, 'b'],
    [B, C, 20, true, 'second'],
  ]);
  assert.deepEqual(
    compactNetworkLog(parseNetworkLog(text)).map((l) => `${l.from[0]}${l.to[0]}${l.status}`),
    ['ab1', 'ac0', 'bc1', 'ca1', 'cb1'],
  );
});

test('publishing writes only the publisher\'s lines, withdraws links it no longer has, and leaves others alone', () => {
  const before = `1s ${B} ${C} 1 available=1 cost=10 name=c\n1s ${A} ${B} 1 available=1 cost=100 name=b\n1s ${A} ${C} 1 available=1 cost=200 name=c\n`;
  const after = publishLinks(before, { from: A, links: [{ to: B, cost: 100, available: true, name: 'b' }], now: clock('50s') });
  assert.equal(after, `1s ${A} ${B} 1 available=1 cost=100 name=b\n50s ${A} ${C} 0\n1s ${B} ${C} 1 available=1 cost=10 name=c\n`);
  assert.deepEqual(links(after ?? ''), [
    [A, B, 100, true, 'b'],
    [B, C, 10, true, 'c'],
  ]);
  // Unchanged links write nothing (no timestamp churn); a change gets a new clock.
  assert.equal(publishLinks(after ?? '', { from: A, links: [{ to: B, cost: 100, available: true, name: 'b' }], now: clock('60s') }), undefined);
  const down = publishLinks(after ?? '', { from: A, links: [{ to: B, cost: 100, available: false, name: 'b' }], now: clock('60s') });
  assert.match(down ?? '', new RegExp(`^60s ${A} ${B} 1 available=0 cost=100 name=b$`, 'm'));
  // A link to itself is never published.
  assert.equal(publishLinks('', { from: A, links: [{ to: A, cost: 1, available: true }], now: clock('1s') }), undefined);
});

test('clock skew: a change is written one second after the newest clock of that link when the clock is behind', () => {
  const text = `100s ${A} ${B} 1 available=1 cost=100 name=b\n`;
  const out = publishLinks(text, { from: A, links: [], now: clock('50s') });
  assert.equal(out, `101s ${A} ${B} 0\n`);
  assert.deepEqual(links(out ?? ''), []);
});

test('a union merge of two repositories\' versions keeps both, and stale links stay withdrawn', () => {
  // A and B publish at the same time, from the same base in which A still had a link to C.
  const base = `1s ${A} ${C} 1 available=1 cost=100 name=c\n`;
  const fromA = publishLinks(base, { from: A, links: [{ to: B, cost: 100, available: true, name: 'b' }], now: clock('10s') }) ?? '';
  const fromB = publishLinks(base, { from: B, links: [{ to: C, cost: 5, available: true, name: 'c' }], now: clock('11s') }) ?? '';
  for (const merged of [unionMergeContent(Buffer.from(fromA), Buffer.from(fromB)), unionMergeContent(Buffer.from(fromB), Buffer.from(fromA))]) {
    assert.deepEqual(links(merged.toString()), [
      [A, B, 100, true, 'b'],
      [B, C, 5, true, 'c'],
    ]);
  }
});

test('git-annex does not take arbor/network.log for one of its logs', () => {
  assert.equal(NETWORK_LOG, 'arbor/network.log');
  assert.equal(logVariety(NETWORK_LOG), 'other');
  assert.equal(logVariety(NETWORK_LOG, { hashLevels: 1 }), 'other');
});
