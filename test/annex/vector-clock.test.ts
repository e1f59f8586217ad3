// git-annex timestamps: parsing, formatting, ordering and the clock-skew rule.
import '../helpers/env.js';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  compareVectorClocks,
  formatVectorClock,
  nextVectorClock,
  parseVectorClock,
  vectorClockFromNanos,
  vectorClockToNanos,
} from '../../src/annex/vector-clock.js';
import type { VectorClock } from '../../src/annex/vector-clock.js';

const clock = (seconds: number, nanos = 0): VectorClock => ({ seconds: BigInt(seconds), nanos });

test('parses what git-annex writes, with and without fraction and s', () => {
  assert.deepEqual(parseVectorClock('1795359430.226925738s'), clock(1795359430, 226925738));
  assert.deepEqual(parseVectorClock('1795359430.49287079s'), clock(1795359430, 492870790));
  assert.deepEqual(parseVectorClock('1795359430.5'), clock(1795359430, 500000000));
  assert.deepEqual(parseVectorClock('1795359430s'), clock(1795359430));
  assert.deepEqual(parseVectorClock('1795359430'), clock(1795359430));
  assert.deepEqual(parseVectorClock('0'), clock(0));
});

test('fractions longer than nanoseconds are cut, not rounded', () => {
  assert.deepEqual(parseVectorClock('1900000100.123456789123s'), clock(1900000100, 123456789));
  assert.deepEqual(parseVectorClock('1.9999999999s'), clock(1, 999999999));
});

test('rejects what git-annex rejects', () => {
  for (const bad of ['', 's', '.5', '12.', '12.s', '12ss', ' 12', '12 ', '1e9', '12.3.4', 'x12', '12s5', '0x10']) {
    assert.equal(parseVectorClock(bad), undefined, bad);
  }
});

test('negative clocks parse like git-annex (sign on the integer part only)', () => {
  assert.deepEqual(parseVectorClock('-5.25s'), clock(-6, 750000000));
  assert.equal(formatVectorClock(parseVectorClock('-5.25s') as VectorClock), '-5.25s');
  assert.deepEqual(parseVectorClock('-0.5'), clock(0, 500000000));
  assert.deepEqual(parseVectorClock('+7s'), clock(7));
});

test('formats like Haskell show: trailing zeros trimmed, whole seconds without a dot', () => {
  // The whole-second and trimmed forms are what git-annex wrote under GIT_ANNEX_VECTOR_CLOCK
  // (see test/fixtures/branch/basic/numcopies.log and mincopies.log).
  assert.equal(formatVectorClock(clock(1900000000)), '1900000000s');
  assert.equal(formatVectorClock(clock(1900000000, 120000000)), '1900000000.12s');
  assert.equal(formatVectorClock(clock(1900000000, 1)), '1900000000.000000001s');
  assert.equal(formatVectorClock(clock(1795359430, 492870790)), '1795359430.49287079s');
  assert.equal(formatVectorClock(clock(-1, 500000000)), '-0.5s');
});

test('format then parse gives the same clock for generated clocks', () => {
  let seed = 12345;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  for (let i = 0; i < 500; i++) {
    const digits = rand(10);
    const nanos = rand(10 ** digits) * 10 ** (9 - digits);
    const c = clock(rand(4) === 0 ? -rand(1000) : rand(2_000_000_000), nanos);
    assert.deepEqual(parseVectorClock(formatVectorClock(c)), c);
  }
});

test('orders by time', () => {
  assert.ok(compareVectorClocks(clock(1, 5), clock(2, 0)) < 0);
  assert.ok(compareVectorClocks(clock(2, 1), clock(2, 0)) > 0);
  assert.equal(compareVectorClocks(clock(2, 7), clock(2, 7)), 0);
  assert.ok(compareVectorClocks(clock(-1, 999999999), clock(0)) < 0);
});

test('converts from and to nanoseconds, also before the epoch', () => {
  assert.deepEqual(vectorClockFromNanos(1795359430226925738n), clock(1795359430, 226925738));
  assert.deepEqual(vectorClockFromNanos(-1n), clock(-1, 999999999));
  assert.equal(vectorClockToNanos(clock(-1, 999999999)), -1n);
  assert.equal(vectorClockToNanos(vectorClockFromNanos(123456789012345n)), 123456789012345n);
});

test('next clock is now unless a previous clock is not older: then newest previous + 1 s', () => {
  const now = clock(100, 5);
  assert.deepEqual(nextVectorClock(now, []), now);
  assert.deepEqual(nextVectorClock(now, [clock(99), clock(100, 4)]), now);
  assert.deepEqual(nextVectorClock(now, [clock(100, 5)]), clock(101, 5));
  assert.deepEqual(nextVectorClock(now, [clock(50), clock(300, 7), clock(200)]), clock(301, 7));
});
